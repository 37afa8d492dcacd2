// A bridge until the runtime runs many hooks: a Config with one http hook becomes today's
// TailOptions. What the config validates but the runtime does not do yet is refused here, by
// name, instead of being ignored (a `match` ignored would publish what the operator filtered out).
import { globToRegExp } from '../source/segment-name.js';
import { UsageError } from '../util/errors.js';
import { HOOK_DEFAULTS } from '../config/defaults.js';
import { templateFields } from '../config/template-syntax.js';
import type { Config, HttpHookConfig } from '../config/schema.js';
import type { TailOptions } from '../pipeline/tail.js';

export type ConfigTailOptions = Omit<TailOptions, 'once' | 'logger' | 'clock' | 'random' | 'signal' | 'version'>;

export function tailOptionsOf(config: Config, file: string | null): ConfigTailOptions {
  const why = notRunnableYet(config, file);
  if (why !== null) throw new UsageError(why);
  const hook = config.hooks[0] as HttpHookConfig;
  const q = config.maxQueue;
  return {
    paths: config.source.logDirs,
    url: hook.url,
    stateDir: config.stateDir,
    maxLineBytes: config.source.maxLineBytes,
    filter: { includeLogRecord: hook.includeLogRecord, ...(hook.types ? { types: new Set(hook.types) } : {}) },
    batchSize: hook.batchSize,
    minBatchSize: hook.minBatchSize,
    maxBatchLatencyMs: hook.maxBatchLatencyMs,
    maxBatchBytes: hook.maxBatchBytes,
    batchFormat: hook.batchFormat as TailOptions['batchFormat'],
    concurrency: hook.concurrency,
    timeoutMs: hook.timeoutMs,
    headers: hook.headers,
    retryIntervalMs: hook.retryIntervalMs,
    maxRetryIntervalMs: hook.maxRetryIntervalMs,
    maxAgeMs: hook.maxAgeMs,
    policy: { ...(hook.retryOn.length ? { retryOn: hook.retryOn } : {}), ...(hook.finalOn.length ? { finalOn: hook.finalOn } : {}) },
    ...(q.records !== undefined ? { maxQueueRecords: q.records } : { maxQueueBytes: q.bytes }),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    summaryIntervalMs: config.summaryIntervalMs,
    ...(config.source.pattern !== undefined ? { pattern: globToRegExp(config.source.pattern) } : {}),
    ...(config.source.pollMs !== undefined ? { pollMs: config.source.pollMs } : {}),
  };
}

/** Why this release's tail cannot run a valid config yet, or null when it can. */
export function notRunnableYet(config: Config, file: string | null): string | null {
  const from = file ?? 'the command line';
  if (config.hooks.length > 1) {
    return `${from}: ${config.hooks.length} hooks (${config.hooks.map((h) => h.name).join(', ')}): running more than one hook is not implemented yet; keep one [[hook]] for now`;
  }
  const hook = config.hooks[0]!;
  if (hook.kind !== 'http') return `${from}: hook '${hook.name}': kind "${hook.kind}" is not implemented yet by tail`;
  const notYet = unsupported(config, hook);
  if (notYet.length === 0) return null;
  return `${from}: hook '${hook.name}': ${notYet.join(', ')} ${notYet.length > 1 ? 'are' : 'is'} validated but not implemented yet by tail; leave ${notYet.length > 1 ? 'them' : 'it'} out for now`;
}

/** The file keys set to something today's runtime does not do. */
function unsupported(c: Config, h: HttpHookConfig): string[] {
  const d = HOOK_DEFAULTS;
  const t = h.tls;
  const keys: [boolean, string][] = [
    [c.startAt.kind !== 'oldest', 'start_at'],
    [c.metrics.listen !== undefined, '[metrics] listen'],
    [h.match.length > 0, 'match'],
    [templateFields(h.url).length > 0, 'a {field} template in url'],
    [h.routes !== undefined, 'routes'],
    [h.defaultUrl !== undefined, 'default_url'],
    [h.batchFormat === 'envelope', 'batch_format = "envelope"'],
    [h.method !== d.method, 'method'],
    [h.compression !== d.compression, 'compression'],
    [h.signing !== undefined, 'signing_secret'],
    [h.auth !== undefined, h.auth?.kind === 'bearer' ? 'bearer_token' : 'basic_user'],
    [h.proxy !== undefined, 'proxy'],
    [h.maxMessageRatePerSecond !== undefined, 'max_message_rate'],
    [h.maxRequestRatePerSecond !== undefined, 'max_request_rate'],
    [h.maxConnectionRatePerSecond !== undefined, 'max_connection_rate'],
    [h.maxDeliveriesPerConnection !== undefined, 'max_deliveries_per_connection'],
    [h.body.mode !== 'raw', 'body'],
    [t.caFile !== undefined || t.clientCert !== undefined || t.serverName !== undefined, 'the TLS keys'],
    [t.insecureSkipVerify !== d.tlsInsecureSkipVerify || t.minVersion !== d.tlsMinVersion, 'the TLS keys'],
  ];
  return [...new Set(keys.filter(([set]) => set).map(([, k]) => k))];
}
