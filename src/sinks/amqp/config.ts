// The AMQP sink's options, as the config file's hook keys give them (`kind = "amqp"`): url,
// exchange, routing_key, mandatory, max_message_rate, body shaping (broker-body.ts), and the TLS keys of every kind (ca_file,
// ca_file_only, client_cert, client_key, client_key_password, tls_min_version, tls_server_name,
// tls_insecure_skip_verify: tls-files.ts). Credentials live in the
// URL's userinfo (resolved from ${env:...}/${file:...} by the config loader) and never leave this
// folder: `maskAmqpUrl` is what logs, status and dispositions see.
import { UsageError } from '../../util/errors.js';
import type { KeyOf } from '../broker-fields.js';
import type { BrokerSinkOptions } from '../broker-sink.js';
import type { AmqpPolicyOverrides } from './policy.js';

export interface AmqpSinkOptions extends BrokerSinkOptions {
  /** amqp://user:password@host:5672/vhost or amqps://...; the vhost is the path ("/" when empty) */
  url: string;
  /** "" is the default exchange (routing key = queue name) */
  exchange: string;
  /** a fixed key or one rendered from each record (the template `kumo.{type}.{tenant}`) */
  routingKey: KeyOf;
  /** an unroutable message comes back (basic.return) instead of vanishing; default true */
  mandatory?: boolean;
  /** wait this long for the broker's confirm, not counting time the broker blocks us (default 30 s) */
  timeoutMs?: number;
  /** TCP + TLS + AMQP handshake (default 10 s) */
  connectTimeoutMs?: number;
  /** AMQP heartbeat in seconds (default 30): finds a dead peer the kernel does not report */
  heartbeatS?: number;
  policy?: AmqpPolicyOverrides;
  version: string;
}

export interface AmqpEndpoint {
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  username: string;
  password: string;
  /** still percent-encoded, as amqplib wants it */
  vhost: string;
  /** for logs: no password */
  masked: string;
}

/** Checks an AMQP URL; throws UsageError that never echoes the password. */
export function parseAmqpUrl(url: string): AmqpEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError('the AMQP url is not a valid URL (expected e.g. amqp://user:password@host:5672/vhost)');
  }
  if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:') {
    throw new UsageError(`the AMQP url must start with amqp:// or amqps://, got "${u.protocol}" in ${maskAmqpUrl(url)}`);
  }
  if (u.search || u.hash) throw new UsageError(`the AMQP url takes no ?query or #fragment: ${maskAmqpUrl(url)}`);
  const protocol = u.protocol === 'amqps:' ? 'amqps' : 'amqp';
  const vhost = u.pathname.replace(/^\//, '');
  if (vhost.includes('/')) throw new UsageError(`the AMQP url's vhost must be one path segment (encode "/" as %2F): ${maskAmqpUrl(url)}`);
  return {
    protocol,
    hostname: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : protocol === 'amqps' ? 5671 : 5672,
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    vhost,
    masked: maskAmqpUrl(url),
  };
}

/** amqp://user:***@host:5672/vhost: the user stays (it helps), the password never appears. */
export function maskAmqpUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
