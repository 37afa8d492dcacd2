// A private PKI for TLS tests, made with openssl in a temp dir at test start: a CA; a server
// certificate for 127.0.0.1, localhost and receiver.test; an expired one; one for another name;
// a second CA nobody trusts (and a server certificate it signed); client certificates signed by
// either CA, and a client key encrypted with a password.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../helpers/tmp.js';

export interface Pair {
  cert: string;
  key: string;
  /** file paths of the two */
  certFile: string;
  keyFile: string;
}

export interface TestPki {
  dir: string;
  caFile: string;
  ca: string;
  otherCaFile: string;
  server: Pair;
  expired: Pair;
  wrongName: Pair;
  untrustedServer: Pair;
  client: Pair;
  untrustedClient: Pair;
  /** `client`'s key, encrypted with CLIENT_KEY_PASSWORD */
  clientEncryptedKeyFile: string;
  cleanup(): void;
}

export const CLIENT_KEY_PASSWORD = 'correct horse';

export function makePki(): TestPki {
  const tmp = makeTempDir('loghook-pki-');
  const dir = tmp.path;
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const makeCa = (name: string) =>
    ssl('req', '-x509', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=loghook test ${name}`, '-days', '2',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  let serial = 1;
  const leaf = (name: string, ca: string, ext: string, days: number): Pair => {
    writeFileSync(f(`${name}.ext`), `basicConstraints=CA:FALSE\n${ext}\n`);
    ssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', String(serial++),
      '-days', String(days), '-extfile', `${name}.ext`, '-out', `${name}.pem`);
    return { certFile: f(`${name}.pem`), keyFile: f(`${name}.key`), cert: readFileSync(f(`${name}.pem`), 'utf8'), key: readFileSync(f(`${name}.key`), 'utf8') };
  };
  makeCa('ca');
  makeCa('other-ca');
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:receiver.test\nextendedKeyUsage=serverAuth';
  const clientExt = 'extendedKeyUsage=clientAuth';
  const pki: TestPki = {
    dir,
    caFile: f('ca.pem'),
    ca: readFileSync(f('ca.pem'), 'utf8'),
    otherCaFile: f('other-ca.pem'),
    server: leaf('server', 'ca', serverExt, 2),
    // -days -1: valid until a day before it was made
    expired: leaf('expired', 'ca', serverExt, -1),
    wrongName: leaf('wrong-name', 'ca', 'subjectAltName=DNS:elsewhere.test\nextendedKeyUsage=serverAuth', 2),
    untrustedServer: leaf('untrusted-server', 'other-ca', serverExt, 2),
    client: leaf('client', 'ca', clientExt, 2),
    untrustedClient: leaf('untrusted-client', 'other-ca', clientExt, 2),
    clientEncryptedKeyFile: f('client-encrypted.key'),
    cleanup: () => tmp.cleanup(),
  };
  ssl('pkey', '-in', 'client.key', '-aes256', '-passout', `pass:${CLIENT_KEY_PASSWORD}`, '-out', 'client-encrypted.key');
  return pki;
}

/** `openssl s_server` on 127.0.0.1 (an OpenSSL receiver: it sends TLS alerts where Node's
 * server just closes). Resolves with its port and a stop function. */
export async function opensslServer(pki: TestPki, args: string[]): Promise<{ port: number; stop(): void }> {
  const { spawn } = await import('node:child_process');
  const p = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', pki.server.certFile, '-key', pki.server.keyFile, '-www', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`openssl s_server did not start: ${out}`)), 5000);
    p.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    p.on('error', reject);
  });
  return { port, stop: () => void p.kill() };
}
