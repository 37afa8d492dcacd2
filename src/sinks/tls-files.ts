// ca_file / client_cert / client_key for the broker sinks, read once at start-up.
import { readFileSync } from 'node:fs';
import { UsageError, errorMessage } from '../util/errors.js';

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Reads ca_file / client_cert / client_key; a missing file is a UsageError naming the key. */
export function readTlsFiles(o: { caFile?: string; clientCert?: string; clientKey?: string }): TlsMaterial {
  if ((o.clientCert === undefined) !== (o.clientKey === undefined)) {
    throw new UsageError('client_cert and client_key go together: set both or neither');
  }
  const read = (key: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new UsageError(`${key} ${path}: cannot read it (${errorMessage(err)})`);
    }
  };
  const out: TlsMaterial = {};
  const ca = read('ca_file', o.caFile);
  const cert = read('client_cert', o.clientCert);
  const key = read('client_key', o.clientKey);
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  return out;
}
