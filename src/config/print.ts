// A Config written back as the file's TOML, every default filled in: what `loghook check` shows.
// Give it a masked Config (mask.ts); this file only writes what it is given.
import type { Config, HookConfig } from './schema.js';
import type { StartAt } from './fields.js';

type Value = string | number | boolean | string[] | Record<string, string> | undefined;

export function configToToml(c: Config): string {
  const out: string[] = [];
  const put = (key: string, v: Value) => {
    if (v !== undefined) out.push(`${tomlKey(key)} = ${tomlValue(v)}`);
  };
  put('state_dir', c.stateDir);
  put('max_queue', c.maxQueue.records !== undefined ? c.maxQueue.records : size(c.maxQueue.bytes));
  put('shutdown_timeout', duration(c.shutdownTimeoutMs));
  put('summary_interval', duration(c.summaryIntervalMs));
  if (c.logFormat) put('log_format', c.logFormat);
  else out.push('# log_format: text on a terminal, else json');
  put('log_level', c.logLevel);
  put('start_at', startAt(c.startAt));
  out.push('', '[source]');
  put('log_dirs', c.source.logDirs);
  put('pattern', c.source.pattern);
  put('poll', c.source.pollMs !== undefined ? duration(c.source.pollMs) : undefined);
  put('max_line_bytes', size(c.source.maxLineBytes));
  out.push('', '[metrics]');
  if (c.metrics.listen) put('listen', `${c.metrics.listen.host.includes(':') ? `[${c.metrics.listen.host}]` : c.metrics.listen.host}:${c.metrics.listen.port}`);
  else out.push('# listen: none (no /metrics listener)');
  put('ready_max_down', duration(c.metrics.readyMaxDownMs));
  for (const h of c.hooks) {
    out.push('', '[[hook]]');
    for (const [k, v] of hookEntries(h)) put(k, v);
    if (h.match.length > 0) {
      out.push('[hook.match]');
      for (const r of h.match) put(r.field, r.globs.length === 1 ? r.globs[0] : r.globs);
    }
  }
  return out.join('\n') + '\n';
}

function hookEntries(h: HookConfig): [string, Value][] {
  const t = h.tls;
  const kind: [string, Value][] =
    h.kind === 'http'
      ? [
          ['url', h.url], ['routes', h.routes], ['route_key', h.routeKey], ['default_url', h.defaultUrl], ['method', h.method],
          ['headers', h.headers.length ? Object.fromEntries(h.headers.map((x) => [x.name, x.value])) : undefined],
          ['retry_on', h.retryOn.length ? h.retryOn.map((r) => r.text).join(',') : undefined],
          ['final_on', h.finalOn.length ? h.finalOn.map((r) => r.text).join(',') : undefined],
          ['compression', h.compression],
          ['signing_secret', h.signing?.secrets], ['signature_header', h.signing?.header], ['signature_format', h.signing?.format],
          ['bearer_token', h.auth?.kind === 'bearer' ? h.auth.token : undefined],
          ['basic_user', h.auth?.kind === 'basic' ? h.auth.user : undefined], ['basic_password', h.auth?.kind === 'basic' ? h.auth.password : undefined],
          ['proxy', h.proxy], ['max_request_rate', rate(h.maxRequestRatePerSecond)], ['max_connection_rate', rate(h.maxConnectionRatePerSecond)],
          ['max_deliveries_per_connection', h.maxDeliveriesPerConnection],
        ]
      : h.kind === 'amqp'
        ? [['url', h.url], ['exchange', h.exchange], ['routing_key', h.routingKey], ['mandatory', h.mandatory]]
        : [
            ['servers', h.servers], ['subject', h.subject],
            ['token', h.auth?.kind === 'token' ? h.auth.token : undefined],
            ['user', h.auth?.kind === 'user' ? h.auth.user : undefined], ['password', h.auth?.kind === 'user' ? h.auth.password : undefined],
            ['nkey_seed', h.auth?.kind === 'nkey' ? h.auth.seed : undefined], ['creds_file', h.auth?.kind === 'creds' ? h.auth.file : undefined],
          ];
  const b = h.body;
  return [
    ['name', h.name], ['kind', h.kind], ...kind,
    ['types', h.types], ['include_log_record', h.includeLogRecord],
    ['batch_size', h.batchSize], ['min_batch_size', h.minBatchSize], ['max_batch_latency', duration(h.maxBatchLatencyMs)],
    ['max_batch_bytes', size(h.maxBatchBytes)], ['batch_format', h.batchFormat], ['concurrency', h.concurrency],
    ['timeout', duration(h.timeoutMs)], ['retry_interval', duration(h.retryIntervalMs)],
    ['max_retry_interval', duration(h.maxRetryIntervalMs)], ['max_age', duration(h.maxAgeMs)],
    ['max_message_rate', rate(h.maxMessageRatePerSecond)],
    ['body', b.mode],
    ['fields', b.mode === 'fields' ? b.fields : undefined],
    ['rename', b.mode === 'fields' && Object.keys(b.rename).length ? b.rename : undefined],
    ['add', b.mode === 'fields' && Object.keys(b.add).length ? b.add : undefined],
    ['template', b.mode === 'template' ? b.template : undefined], ['template_file', b.mode === 'template' ? b.templateFile : undefined],
    ['ca_file', t.caFile], ['ca_file_only', t.caFile !== undefined ? t.caFileOnly : undefined],
    ['client_cert', t.clientCert], ['client_key', t.clientKey], ['client_key_password', t.clientKeyPassword],
    ['tls_min_version', t.minVersion], ['tls_server_name', t.serverName], ['tls_insecure_skip_verify', t.insecureSkipVerify],
  ];
}

/** The largest unit that says it exactly: 1200000 -> "20m", 1500 -> "1500ms". */
export function duration(ms: number): string {
  for (const [unit, n] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= n && ms % n === 0) return `${ms / n}${unit}`;
  }
  return `${ms}ms`;
}

export function size(bytes: number): string {
  for (const [unit, n] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024], ['GB', 1e9], ['MB', 1e6], ['KB', 1e3]] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return `${bytes}B`;
}

function rate(perSecond: number | undefined): string | undefined {
  if (perSecond === undefined) return undefined;
  for (const [unit, n] of [['s', 1], ['min', 60], ['h', 3600], ['d', 86_400]] as const) {
    const x = Math.round(perSecond * n * 1e6) / 1e6;
    if (Number.isInteger(x)) return `${x}/${unit}`;
  }
  return `${perSecond}/s`;
}

function startAt(s: StartAt): string {
  return s.kind === 'time' ? new Date(s.atMs).toISOString() : s.kind;
}

function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k);
}

function tomlValue(v: Exclude<Value, undefined>): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => JSON.stringify(x)).join(', ')}]`;
  return `{ ${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)} = ${JSON.stringify(x)}`).join(', ')} }`;
}
