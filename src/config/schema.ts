// The typed Config: what the config file (loghook.toml) and the flags of `tail DIR --url` both
// become, validated, with every default applied (defaults.ts) and every ${env:}/${file:} resolved.
// It is plain data (JSON-serializable) and the contract between src/config/ and the runtime.
// Names are the file's keys in camelCase, with the unit in the name where there is one
// (`max_batch_latency = "1s"` -> `maxBatchLatencyMs: 1000`); paths are absolute.
// Validation: validate.ts (the file's tables), hook-schema.ts (a [[hook]]), fields.ts and
// hook-fields.ts (the value types, as zod schemas); loading and line numbers: load.ts.
import type { HeaderItem } from '../sinks/http/headers.js';
import type { StatusRange } from '../sinks/http/policy.js';
import type { RecordType } from '../record/record.js';
import type { LogFormat, LogLevel } from '../telemetry/logger.js';
import type { StartAt } from './fields.js';
import type { MatchRule } from './hook-fields.js';

export type { MatchRule, StartAt };

export interface Config {
  /** `state_dir`: queue, checkpoints, dead letters (default /var/lib/loghook if writable, else $XDG_STATE_HOME/loghook) */
  stateDir: string;
  /** `max_queue`: a plain number bounds the records, a size the bytes (default 2GiB); reading pauses when full */
  maxQueue: MaxQueue;
  /** `shutdown_timeout`: on SIGTERM/SIGINT, how long requests in flight may take */
  shutdownTimeoutMs: number;
  /** `summary_interval`: a summary log line this often while busy */
  summaryIntervalMs: number;
  /** `log_format`; undefined: text on a terminal, else json */
  logFormat?: LogFormat;
  /** `log_level` */
  logLevel: LogLevel;
  /** `start_at`: where a stream with no checkpoint starts (default oldest: history included) */
  startAt: StartAt;
  source: SourceConfig;
  metrics: MetricsConfig;
  /** `[[hook]]`, in file order; names are unique. `tail DIR --url` makes one, named `default`. */
  hooks: HookConfig[];
}

export type MaxQueue = { records: number; bytes?: undefined } | { bytes: number; records?: undefined };

/** `[source]` */
export interface SourceConfig {
  /** `log_dirs`: kumod log directories (log_dir) or segment files; with --config, DIR arguments replace them */
  logDirs: string[];
  /** `pattern`: only segment files whose name matches this glob (compile with source/segment-name.ts globToRegExp) */
  pattern?: string;
  /** `poll`: rescan this often instead of waiting for file system events */
  pollMs?: number;
  /** `max_line_bytes`: longer lines are skipped */
  maxLineBytes: number;
}

/** `[metrics]` */
export interface MetricsConfig {
  /** `listen = "host:port"`: serve /metrics, /healthz and /readyz there; undefined: no listener */
  listen?: { host: string; port: number };
  /** `ready_max_down`: /readyz answers 503 once every endpoint of a hook has been down this long */
  readyMaxDownMs: number;
}

export type HookKind = 'http' | 'amqp' | 'nats';
export type HookConfig = HttpHookConfig | AmqpHookConfig | NatsHookConfig;
export type BatchFormat = 'array' | 'ndjson' | 'envelope';

/** What every kind of hook has. */
export interface HookBase {
  /** `name`: unique, [a-z0-9_-]{1,64}; it names the hook's queue for good (renaming it starts a new, empty queue) */
  name: string;
  kind: HookKind;
  /** `types`: record types to publish; undefined: every type */
  types?: RecordType[];
  /** `include_log_record`: also publish KumoMTA's own hook bookkeeping (reception_protocol LogRecord) */
  includeLogRecord: boolean;
  /** `[hook.match]`: a record is published when every rule matches (a rule: any of its globs); [] matches all */
  match: MatchRule[];
  /** `batch_size`: records per request (or per publish batch) */
  batchSize: number;
  /** `min_batch_size`: wait for this many due records... (never more than batchSize) */
  minBatchSize: number;
  /** `max_batch_latency`: ...but no longer than this */
  maxBatchLatencyMs: number;
  /** `max_batch_bytes`: never a larger body */
  maxBatchBytes: number;
  /** `batch_format`: a batch's body: a JSON array, NDJSON, or an envelope object */
  batchFormat: BatchFormat;
  /** `concurrency`: requests (publishes) in flight at most */
  concurrency: number;
  /** `timeout`: per request (HTTP: the whole request, its start to the last byte of the answer; brokers: the confirm) */
  timeoutMs: number;
  /** `retry_interval`: the first retry after this, doubling (KumoMTA retry_interval) */
  retryIntervalMs: number;
  /** `max_retry_interval`: the doubling stops here */
  maxRetryIntervalMs: number;
  /** `max_age`: a message older than this expires into the dead letters */
  maxAgeMs: number;
  /** `max_message_rate`: records per second at most; undefined: no limit */
  maxMessageRatePerSecond?: number;
  /** `body`, `fields`, `rename`, `add`, `template`, `template_file`: what a record becomes (issue 7) */
  body: BodyConfig;
  /** `ca_file`, `client_cert`, ... : TLS towards the endpoint or broker */
  tls: TlsConfig;
}

/** `body = "raw"` (default): kumod's bytes; `"fields"`: a chosen subset; `"template"`: a rendered body. */
export type BodyConfig =
  | { mode: 'raw' }
  | { mode: 'fields'; fields: string[]; rename: Record<string, string>; add: Record<string, string> }
  | { mode: 'template'; template: string; templateFile?: undefined }
  | { mode: 'template'; templateFile: string; template?: undefined };

export interface TlsConfig {
  /** `ca_file`: PEM CA certificates to trust, added to the system's... */
  caFile?: string;
  /** `ca_file_only`: ...or instead of them */
  caFileOnly: boolean;
  /** `client_cert` and `client_key` (both or neither): PEM files for mutual TLS */
  clientCert?: string;
  clientKey?: string;
  /** `client_key_password`: secret */
  clientKeyPassword?: string;
  /** `tls_min_version` */
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  /** `tls_server_name`: SNI and the name the certificate must carry, when it differs from the URL's host */
  serverName?: string;
  /** `tls_insecure_skip_verify`: accept any certificate (tests only; loghook warns) */
  insecureSkipVerify: boolean;
}

export interface HttpHookConfig extends HookBase {
  kind: 'http';
  /** `url`: http(s); may be a `{field}` template (templateFields() lists its fields): one isolated endpoint per resolved URL. user:password@ is Basic auth */
  url: string;
  /** `routes`: a TOML file of route key -> url/headers/types/match (load.ts loadRoutesFile), reloaded live */
  routes?: string;
  /** `route_key`: the `{field}` template whose value looks a record's route up; set exactly when routes is */
  routeKey?: string;
  /** `default_url`: where a record goes when its route key has no route, or the url template cannot be filled */
  defaultUrl?: string;
  /** `headers`: sent on every request (values are secrets) */
  headers: HeaderItem[];
  /** `retry_on` / `final_on`: status overrides of the retry policy (sinks/http/policy.ts) */
  retryOn: StatusRange[];
  finalOn: StatusRange[];
  /** `method` */
  method: 'POST' | 'PUT';
  /** `compression`: Content-Encoding of the body */
  compression: 'none' | 'gzip' | 'zstd';
  /** `signing_secret`, `signature_header`, `signature_format`; undefined: not signed */
  signing?: SigningConfig;
  /** `bearer_token` or `basic_user` + `basic_password` (one of them, and not with user:password@ in url) */
  auth?: { kind: 'bearer'; token: string } | { kind: 'basic'; user: string; password: string };
  /** `proxy`: an http(s) forward proxy URL */
  proxy?: string;
  /** `max_request_rate`, `max_connection_rate` (per second), `max_deliveries_per_connection`; undefined: no limit */
  maxRequestRatePerSecond?: number;
  maxConnectionRatePerSecond?: number;
  maxDeliveriesPerConnection?: number;
}

export interface SigningConfig {
  /** every `whsec_<base64>` secret signs (several while rotating) */
  secrets: string[];
  /** `signature_header` (default webhook-signature) */
  header: string;
  /** `signature_format`: where the signature goes: `<hex>` or `<base64>` (default "v1,<base64>") */
  format: string;
}

export interface AmqpHookConfig extends HookBase {
  kind: 'amqp';
  /** `url`: amqp:// or amqps:// (user:password@ authenticates; a secret) */
  url: string;
  /** `exchange` ('' is the default exchange) */
  exchange: string;
  /** `routing_key`: a `{field}` template (with the default exchange: the queue name) */
  routingKey: string;
  /** `mandatory`: unroutable messages come back as failures instead of vanishing */
  mandatory: boolean;
}

export interface NatsHookConfig extends HookBase {
  kind: 'nats';
  /** `servers`: nats://host:port, tls://host:port or host:port */
  servers: string[];
  /** `subject`: a `{field}` template */
  subject: string;
  /** at most one of `token`, `user` + `password`, `nkey_seed`, `creds_file` */
  auth?:
    | { kind: 'token'; token: string }
    | { kind: 'user'; user: string; password: string }
    | { kind: 'nkey'; seed: string }
    | { kind: 'creds'; file: string };
}
