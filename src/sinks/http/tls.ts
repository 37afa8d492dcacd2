// TLS settings of an https endpoint (config keys ca_file, ca_file_only, client_cert, client_key,
// client_key_password, tls_min_version, tls_server_name, tls_insecure_skip_verify), turned into
// plain node:tls connect options that client.ts hands to undici. The files are read and the
// whole set is tried with tls.createSecureContext once, at start: a wrong key password or a key
// that does not belong to its certificate is a configuration error naming the key, not a
// failure of every request.
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { UsageError, errnoCode, errorMessage } from '../../util/errors.js';

export interface TlsOptions {
  /** PEM bundle of CA certificates to trust, added to the default ones (config `ca_file`) */
  caFile?: string;
  /** trust only `caFile`, not the default CAs (config `ca_file_only`) */
  caFileOnly?: boolean;
  /** PEM client certificate (and chain) for mutual TLS (config `client_cert`) */
  clientCert?: string;
  /** its PEM private key, possibly encrypted (config `client_key`; default: the `client_cert` file) */
  clientKey?: string;
  /** the password of an encrypted `client_key` (config `client_key_password`, already resolved) */
  clientKeyPassword?: string;
  /** the oldest TLS version accepted (config `tls_min_version`; default TLSv1.2, Node's) */
  tlsMinVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** the name sent in SNI and checked against the certificate, when the URL's host is not it
   * (config `tls_server_name`) */
  tlsServerName?: string;
  /** accept any certificate (config `tls_insecure_skip_verify`): warned at every start */
  tlsInsecureSkipVerify?: boolean;
}

/** node:tls connect options; only the keys that were set. */
export interface TlsConnectOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  passphrase?: string;
  minVersion?: tls.SecureVersion;
  servername?: string;
  rejectUnauthorized?: boolean;
}

/** every key of TlsOptions, in config order */
export const TLS_KEYS: readonly (keyof TlsOptions)[] = ['caFile', 'caFileOnly', 'clientCert', 'clientKey', 'clientKeyPassword', 'tlsMinVersion', 'tlsServerName', 'tlsInsecureSkipVerify'];
const CONFIG_NAME: Record<keyof TlsOptions, string> = {
  caFile: 'ca_file', caFileOnly: 'ca_file_only', clientCert: 'client_cert', clientKey: 'client_key',
  clientKeyPassword: 'client_key_password', tlsMinVersion: 'tls_min_version', tlsServerName: 'tls_server_name',
  tlsInsecureSkipVerify: 'tls_insecure_skip_verify',
};

/** Connect options for `url`, or null when nothing is set (Node's defaults). Throws UsageError. */
export function tlsConnectOptions(o: TlsOptions, url: URL): TlsConnectOptions | null {
  const set = TLS_KEYS.filter((k) => o[k] !== undefined && o[k] !== false);
  if (set.length === 0) return null;
  if (url.protocol !== 'https:') {
    throw new UsageError(`${set.map((k) => CONFIG_NAME[k]).join(', ')}: TLS settings need an https:// url (the url is ${url.protocol}//)`);
  }
  return tlsSettings(o);
}

/** The connect options of `o` whatever the protocol (the broker sinks' amqps:// and tls:// too). Throws UsageError. */
export function tlsSettings(o: TlsOptions): TlsConnectOptions {
  const out: TlsConnectOptions = {};
  if (o.caFile !== undefined) {
    const pem = readPem(o.caFile, 'ca_file');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`ca_file ${o.caFile}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    out.ca = o.caFileOnly ? [pem] : [...defaultCAs(), pem];
  } else if (o.caFileOnly) {
    throw new UsageError('ca_file_only needs ca_file');
  }
  if (o.clientKey !== undefined && o.clientCert === undefined) throw new UsageError('client_key needs client_cert');
  if (o.clientKeyPassword !== undefined && o.clientCert === undefined) throw new UsageError('client_key_password needs client_cert and client_key');
  if (o.clientCert !== undefined) {
    out.cert = readPem(o.clientCert, 'client_cert');
    out.key = o.clientKey !== undefined ? readPem(o.clientKey, 'client_key') : out.cert;
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(out.key)) {
      throw new UsageError(`${o.clientKey !== undefined ? `client_key ${o.clientKey}` : `client_cert ${o.clientCert} (set client_key)`}: holds no PEM private key`);
    }
    if (o.clientKeyPassword !== undefined) out.passphrase = o.clientKeyPassword;
  }
  if (o.tlsMinVersion !== undefined) {
    if (o.tlsMinVersion !== 'TLSv1.2' && o.tlsMinVersion !== 'TLSv1.3') {
      throw new UsageError(`tls_min_version "${String(o.tlsMinVersion)}" is not TLSv1.2 or TLSv1.3`);
    }
    out.minVersion = o.tlsMinVersion;
  }
  if (o.tlsServerName !== undefined) {
    if (!/^[A-Za-z0-9.-]+$/.test(o.tlsServerName)) throw new UsageError(`tls_server_name "${o.tlsServerName.slice(0, 60)}" is not a host name`);
    out.servername = o.tlsServerName;
  }
  if (o.tlsInsecureSkipVerify) out.rejectUnauthorized = false;
  check(out, o);
  return out;
}

/** The CAs Node trusts when none are given: its bundled Mozilla store, plus NODE_EXTRA_CA_CERTS
 * (Node 22.15+ reports them together; older versions need the file read here). */
function defaultCAs(): string[] {
  const get = (tls as { getCACertificates?: (type: 'default') => string[] }).getCACertificates;
  if (typeof get === 'function') return get('default');
  const out = [...tls.rootCertificates];
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra) {
    try {
      out.push(readFileSync(extra, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do its defaults
    }
  }
  return out;
}

function readPem(path: string, key: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = errnoCode(err);
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : errorMessage(err);
    throw new UsageError(`${key} ${path}: ${why}`);
  }
}

/** Builds the secure context once, so that bad keys and passwords fail at start. */
function check(out: TlsConnectOptions, o: TlsOptions): void {
  try {
    tls.createSecureContext({ ...(out.ca ? { ca: out.ca } : {}), ...(out.cert ? { cert: out.cert, key: out.key! } : {}), ...(out.passphrase !== undefined ? { passphrase: out.passphrase } : {}), ...(out.minVersion ? { minVersion: out.minVersion } : {}) });
  } catch (err) {
    const msg = errorMessage(err);
    const keyName = o.clientKey ?? o.clientCert;
    if (/bad decrypt|bad password|interrupted or cancelled|PEM_read_bio_PrivateKey|DECODER routines/i.test(msg) && out.cert) {
      throw new UsageError(
        o.clientKeyPassword === undefined
          ? `client_key ${keyName}: the key is encrypted or unreadable: set client_key_password (${msg})`
          : `client_key ${keyName}: cannot decrypt it with client_key_password: is the password right? (${msg})`,
      );
    }
    if (/KEY_VALUES_MISMATCH|key values mismatch/i.test(msg)) throw new UsageError(`client_key ${keyName} is not the key of client_cert ${o.clientCert}`);
    throw new UsageError(`TLS settings (${[o.caFile && `ca_file ${o.caFile}`, o.clientCert && `client_cert ${o.clientCert}`].filter(Boolean).join(', ') || 'tls'}): ${msg}`);
  }
}
