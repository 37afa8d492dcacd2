// The NATS JetStream sink's options, as the config file's hook keys give them (`kind = "nats"`):
// servers, subject, one of token / user + password / nkey_seed / creds_file (resolved from
// ${env:...}/${file:...} by the config loader), max_message_rate, body shaping (broker-body.ts),
// and the TLS keys of every kind
// (tls-files.ts). Secrets never
// leave this folder: `endpoint` names the servers without userinfo.
import { UsageError } from '../../util/errors.js';
import type { KeyOf } from '../broker-fields.js';
import type { BrokerSinkOptions } from '../broker-sink.js';
import type { NatsPolicyOverrides } from './policy.js';

export interface NatsSinkOptions extends BrokerSinkOptions {
  /** nats://host:4222 or tls://host:4222, one or more of one cluster */
  servers: readonly string[];
  /** a fixed subject or one rendered from each record (the template `kumo.events.{type}`) */
  subject: KeyOf;
  token?: string;
  user?: string;
  password?: string;
  /** an nkey seed, `SU...` */
  nkeySeed?: string;
  /** a .creds file (JWT + nkey seed), read at start-up */
  credsFile?: string;
  /** wait this long for JetStream's ack (default 10 s) */
  timeoutMs?: number;
  /** TCP + TLS + CONNECT (default 10 s) */
  connectTimeoutMs?: number;
  policy?: NatsPolicyOverrides;
  version: string;
}

/** Checks the server URLs; returns them and a masked list for logs. */
export function parseServers(servers: readonly string[]): { servers: string[]; masked: string } {
  if (servers.length === 0) throw new UsageError('servers: give at least one NATS server (e.g. nats://127.0.0.1:4222)');
  const masked: string[] = [];
  for (const s of servers) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new UsageError('servers: an entry is not a valid URL (expected e.g. nats://127.0.0.1:4222)');
    }
    if (u.protocol !== 'nats:' && u.protocol !== 'tls:') {
      throw new UsageError(`servers: "${u.protocol}//${u.host}" must start with nats:// or tls://`);
    }
    if (u.username || u.password) {
      throw new UsageError(`servers: ${u.protocol}//${u.host} carries credentials; give them as token, user/password, nkey_seed or creds_file`);
    }
    masked.push(`${u.protocol}//${u.host}`);
  }
  return { servers: [...servers], masked: masked.join(',') };
}

/** At most one way to authenticate. */
export function checkAuth(o: Pick<NatsSinkOptions, 'token' | 'user' | 'password' | 'nkeySeed' | 'credsFile'>): void {
  const ways = [o.token !== undefined, o.user !== undefined || o.password !== undefined, o.nkeySeed !== undefined, o.credsFile !== undefined].filter(Boolean).length;
  if (ways > 1) throw new UsageError('NATS auth: set one of token, user + password, nkey_seed or creds_file');
  if ((o.user === undefined) !== (o.password === undefined)) throw new UsageError('NATS auth: user and password go together');
}
