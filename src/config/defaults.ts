// Every default of loghook's settings, once. The flags of `tail`, the config file and library
// callers all take their defaults from here (REVIEW.md §d defect 10: the CLI said concurrency 8
// and the dispatcher 4; the CLI's and the README's values are the ones kept).
// Values are in the units of the typed Config (milliseconds, bytes, records).

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const MiB = 1024 * 1024;

/** Top-level and [source] settings. */
export const DEFAULTS = {
  /** a size: the queue is bounded in bytes unless max_queue is a plain number (records) */
  maxQueueBytes: 2 * 1024 * MiB,
  shutdownTimeoutMs: 10 * SECOND,
  summaryIntervalMs: 30 * SECOND,
  logLevel: 'info',
  /** with no checkpoint, read every segment on disk (history included) */
  startAt: 'oldest',
  maxLineBytes: 16 * MiB,
  /** [metrics] ready_max_down: a hook with every endpoint down this long makes /readyz fail */
  readyMaxDownMs: 5 * MINUTE,
} as const;

/** Settings of one [[hook]] (and of the `default` hook that `tail DIR --url` makes). */
export const HOOK_DEFAULTS = {
  kind: 'http',
  includeLogRecord: false,
  batchSize: 1,
  minBatchSize: 1,
  maxBatchLatencyMs: 1 * SECOND,
  /** nginx's default client_max_body_size */
  maxBatchBytes: 1 * MiB,
  batchFormat: 'array',
  concurrency: 8,
  timeoutMs: 30 * SECOND,
  /** KumoMTA's hook queue defaults: retry_interval, max_retry_interval, max_age */
  retryIntervalMs: 1 * MINUTE,
  maxRetryIntervalMs: 20 * MINUTE,
  maxAgeMs: 7 * DAY,
  method: 'POST',
  compression: 'none',
  /** Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256>` */
  signatureHeader: 'webhook-signature',
  signatureFormat: 'v1,<base64>',
  body: 'raw',
  caFileOnly: false,
  tlsMinVersion: 'TLSv1.2',
  tlsInsecureSkipVerify: false,
  /** AMQP: the default exchange; publishes are mandatory (an unroutable message is returned, not dropped) */
  exchange: '',
  routingKey: '',
  mandatory: true,
} as const;

/** The file `tail` and `check` read when neither --config nor `DIR --url` is given (if it exists). */
export const DEFAULT_CONFIG_FILE = '/etc/loghook/loghook.toml';

/** The name of the one hook that `tail DIR --url URL` makes (it names its queue). */
export const FLAGS_HOOK_NAME = 'default';
