// Certificates for the brokers' TLS tests, made with the openssl command line in a temp dir: a
// CA, a server certificate for localhost/127.0.0.1 and a client certificate, all signed by it.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsFiles {
  caFile: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Writes ca.pem, server.pem/server.key, client.pem/client.key into `dir`. */
export function makeTlsFiles(dir: string): TlsFiles {
  const f = (n: string) => join(dir, n);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=loghook test CA', '-keyout', 'ca.key', '-out', 'ca.pem'], dir);
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${who === 'server' ? 'localhost' : 'loghook'}`, '-keyout', `${who}.key`, '-out', `${who}.csr`], dir);
    openssl(['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${who}.ext`, '-out', `${who}.pem`], dir);
  }
  return { caFile: f('ca.pem'), serverCert: f('server.pem'), serverKey: f('server.key'), clientCert: f('client.pem'), clientKey: f('client.key') };
}

/** `keyFile` encrypted with `password` (AES-256), written next to it; returns its path. */
export function encryptedKey(dir: string, keyFile: string, password: string): string {
  openssl(['pkey', '-in', keyFile, '-aes256', '-passout', `pass:${password}`, '-out', 'client-encrypted.key'], dir);
  return join(dir, 'client-encrypted.key');
}
