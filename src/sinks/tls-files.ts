// The TLS keys of a broker hook (ca_file, ca_file_only, client_cert, client_key,
// client_key_password, tls_min_version, tls_server_name, tls_insecure_skip_verify), read and
// checked once at start-up by the HTTP sink's own code (http/tls.ts), so that the keys mean the
// same for every kind: ca_file adds to the system's CAs unless ca_file_only, a wrong key password
// fails at start naming the key. The result is plain node:tls connect options, which amqplib and
// @nats-io/transport-node both hand to tls.connect.
import type { Logger } from '../telemetry/logger.js';
import { TLS_KEYS, tlsSettings, type TlsConnectOptions, type TlsOptions } from './http/tls.js';

export type TlsMaterial = TlsConnectOptions;

/** the same keys as an https endpoint's */
export type BrokerTlsOptions = TlsOptions;

/** node:tls options for a broker, or null when no key is set (the library's defaults). Throws UsageError. */
export function brokerTls(o: BrokerTlsOptions, endpoint: string, logger: Logger): TlsMaterial | null {
  const set: TlsOptions = {};
  for (const k of TLS_KEYS) if (o[k] !== undefined && o[k] !== false) (set as Record<string, unknown>)[k] = o[k];
  if (Object.keys(set).length === 0) return null;
  const out = tlsSettings(set);
  if (o.tlsInsecureSkipVerify) {
    logger.warn('TLS certificate verification is OFF (tls_insecure_skip_verify = true): anyone on the network path can read and change these messages. Set ca_file to the broker\'s CA instead', { url: endpoint });
  }
  return out;
}
