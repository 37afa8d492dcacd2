// The hooks a Config describes, built for the tail pipeline: which records each takes and where
// each goes (hook/hook.ts compileHook, or the byte-level fast path for a hook that only filters
// by type), its delivery options, and a sink per endpoint. Queue endpoints: '' is the hook's own
// url; a URL template's rendered URL is itself; a routed record's is `route:<key>`, resolved to
// the route's URL when sent, so that a changed route applies to what is still queued.
import type { EndpointDelivery } from '../deliver/hook-dispatch.js';
import type { Sink, SinkOutcome } from '../deliver/sink.js';
import { HttpSink, type HttpSinkOptions } from '../sinks/http/sink.js';
import { SharedConnections } from '../sinks/http/client.js';
import { BodyPool } from '../deliver/body-pool.js';
import type { HeaderItem } from '../sinks/http/headers.js';
import { compileHook, type Hook } from '../hook/hook.js';
import { RouteTable } from '../hook/routes.js';
import { templateFields } from '../config/template-syntax.js';
import type { AmqpHookConfig, Config, HookConfig, HttpHookConfig, NatsHookConfig } from '../config/schema.js';
import { AmqpSink } from '../sinks/amqp/sink.js';
import { maskAmqpUrl } from '../sinks/amqp/config.js';
import { NatsSink } from '../sinks/nats/sink.js';
import type { KeyOf } from '../sinks/broker-fields.js';
import type { BrokerTlsOptions } from '../sinks/tls-files.js';
import { compileTemplate } from '../hook/template.js';
import { createBodyShaper, type BodyShaper } from '../body/shaper.js';
import { UsageError } from '../util/errors.js';
import { redactUrl, type Logger } from '../telemetry/logger.js';
import type { Clock } from '../util/clock.js';
import type { SelectedHook } from './hook-select.js';

export interface HookRuntime {
  /** unique; names the hook's queues for good */
  name: string;
  /** for logs: where it delivers, secrets masked */
  describe: string;
  select: Omit<SelectedHook, 'name'>;
  delivery: Omit<EndpointDelivery, 'clock' | 'logger' | 'random'>;
  /** the sink of an endpoint ('' is the hook's own url) */
  sinkFor(endpoint: string): Sink;
  /** the routes file changed: sinks must be made again (set by the pipeline) */
  onRoutesChanged?: (() => void) | undefined;
  /** re-read the routes file now (SIGHUP) */
  reload?(): void;
  close?(): void;
}

export interface HookDeps {
  version: string;
  logger: Logger;
  clock: Clock;
  /** told every HTTP answer (loghook send-test) */
  onHttpAnswer?: HttpSinkOptions['onAnswer'];
}

/** The runtime of every hook of `config`. Throws UsageError for what a hook asks and this build cannot do. */
export function hooksOf(config: Config, deps: HookDeps): HookRuntime[] {
  const made: HookRuntime[] = [];
  try {
    for (const h of config.hooks) made.push(hookOf(h, deps));
  } catch (err) {
    for (const m of made) m.close?.();
    throw err;
  }
  return made;
}

function hookOf(h: HookConfig, deps: HookDeps): HookRuntime {
  if (h.kind === 'http') return httpHook(h, deps);
  return brokerHook(h, deps);
}

/** A delivery's options, the same for every kind. */
function deliveryOf(h: HookConfig): HookRuntime['delivery'] {
  return {
    batchSize: h.batchSize,
    minBatchSize: h.minBatchSize,
    maxBatchLatencyMs: h.maxBatchLatencyMs,
    maxBatchBytes: h.maxBatchBytes,
    batchFormat: h.batchFormat === 'ndjson' ? 'ndjson' : 'array',
    concurrency: h.concurrency,
    retryIntervalMs: h.retryIntervalMs,
    maxRetryIntervalMs: h.maxRetryIntervalMs,
    maxAgeMs: h.maxAgeMs,
  };
}

/**
 * An AMQP or NATS hook: one endpoint (its broker); the sink renders the routing key or subject
 * from each record and publishes a request's records of one key as one message.
 */
function brokerHook(h: AmqpHookConfig | NatsHookConfig, deps: HookDeps): HookRuntime {
  const plain = h.match.length === 0;
  // compiled once per hook, as for HTTP; null keeps the raw fast path
  const shaper = shaperOf(h);
  const rt: HookRuntime = {
    name: h.name,
    describe: `${h.name} (${h.kind === 'amqp' ? maskAmqpUrl(h.url) : h.servers.join(',')})`,
    select: { chunkRecords: Math.max(h.batchSize, 100), chunkBytes: h.maxBatchBytes },
    delivery: deliveryOf(h),
    sinkFor: () => {
      const common = { timeoutMs: h.timeoutMs, version: deps.version, logger: deps.logger, clock: deps.clock, ...brokerTlsOf(h.tls), ...(h.maxMessageRatePerSecond !== undefined ? { maxMessageRate: h.maxMessageRatePerSecond } : {}), shaper, maxBatchBytes: h.maxBatchBytes };
      if (h.kind === 'amqp') {
        return new AmqpSink({ url: h.url, exchange: h.exchange, routingKey: keyTemplate(h.routingKey, `hook '${h.name}': routing_key`), mandatory: h.mandatory, ...common });
      }
      const a = h.auth;
      const auth = a?.kind === 'token' ? { token: a.token } : a?.kind === 'user' ? { user: a.user, password: a.password } : a?.kind === 'nkey' ? { nkeySeed: a.seed } : a?.kind === 'creds' ? { credsFile: a.file } : {};
      return new NatsSink({ servers: h.servers, subject: keyTemplate(h.subject, `hook '${h.name}': subject`), ...auth, ...common });
    },
  };
  if (plain) rt.select.plain = { ...(h.types ? { types: new Set<string>(h.types) } : {}), excludeLogRecord: !h.includeLogRecord };
  else {
    rt.select.compiled = compileHook({ name: h.name, url: 'http://broker.invalid/', ...(h.types ? { types: h.types } : {}), includeLogRecord: h.includeLogRecord, match: Object.fromEntries(h.match.map((r) => [r.field, r.globs])) });
    rt.select.ownUrl = 'http://broker.invalid/';
  }
  return rt;
}

/** Every TLS key of a hook, in the broker sinks' words (sinks/tls-files.ts). */
function brokerTlsOf(t: HookConfig['tls']): BrokerTlsOptions {
  return {
    ...(t.caFile !== undefined ? { caFile: t.caFile } : {}),
    ...(t.caFileOnly ? { caFileOnly: true } : {}),
    ...(t.clientCert !== undefined ? { clientCert: t.clientCert } : {}),
    ...(t.clientKey !== undefined ? { clientKey: t.clientKey } : {}),
    ...(t.clientKeyPassword !== undefined ? { clientKeyPassword: t.clientKeyPassword } : {}),
    // Node's default minimum is TLSv1.2 already: only a stricter one is worth passing on
    ...(t.minVersion !== 'TLSv1.2' ? { tlsMinVersion: t.minVersion } : {}),
    ...(t.serverName !== undefined ? { tlsServerName: t.serverName } : {}),
    ...(t.insecureSkipVerify ? { tlsInsecureSkipVerify: true } : {}),
  };
}

/**
 * A routing key or subject template, rendered from each record. A record that lacks
 * one of its fields goes to the key with every field `_` (a broker key must be something; the
 * queue or stream bound for it is the operator's choice).
 */
export function keyTemplate(text: string, where: string): KeyOf {
  const tpl = compileTemplate(text, { encode: 'subject', where });
  const literal = (fill: string) => text.replace(/\{\{|\}\}|\{[^{}]*\}/g, (m) => (m === '{{' ? '{' : m === '}}' ? '}' : fill));
  if (!tpl.dynamic) return literal('');
  const missing = literal('_');
  return (view) => {
    const out = tpl.render(view);
    return typeof out === 'string' ? out : missing;
  };
}

function httpHook(h: HttpHookConfig, deps: HookDeps): HookRuntime {
  const chunk = { chunkRecords: Math.max(h.batchSize, 100), chunkBytes: h.maxBatchBytes };
  const plainFilter = { ...(h.types ? { types: new Set<string>(h.types) } : {}), excludeLogRecord: !h.includeLogRecord };
  const templated = templateFields(h.url).length > 0;
  let table: RouteTable | null = null;
  // endpoints on one host share its connections (client.ts); max_connection_rate is per endpoint
  const shared = h.maxConnectionRatePerSecond === undefined ? new SharedConnections() : undefined;
  // and one pool of request bodies: the hook's requests in flight are bounded by its concurrency
  const bodies = new BodyPool(h.concurrency * 2);
  // compiled once per hook (a template, its fields), shared by the sinks of all its endpoints
  const shaper = shaperOf(h);
  const rt: HookRuntime = {
    name: h.name,
    describe: h.name === 'default' ? redactUrl(h.url) : `${h.name} (${h.routes ? `routes ${h.routes}` : redactUrl(h.url)})`,
    select: { ...chunk },
    delivery: deliveryOf(h),
    sinkFor: (endpoint) => {
      if (!endpoint.startsWith('route:')) return httpSink(h, endpoint !== '' ? endpoint : h.routes && h.defaultUrl ? h.defaultUrl : h.url, [], deps, shaper, shared, bodies);
      const key = endpoint.slice('route:'.length);
      const to = compiled!.reroute(key);
      if (to === null || 'unrouted' in to) return parked(`route:${key}`, `the routes file has no route '${key}' any more (and no default_url): its records stay queued until it is back, they expire, or loghook dead purge`);
      const headers = Object.entries(to.headers ?? {}).map(([name, value]) => ({ name, value }));
      return httpSink(h, to.endpoint, headers, deps, shaper, shared, bodies);
    },
  };
  let compiled: Hook | null = null;
  if (h.match.length === 0 && !templated && !h.routes) {
    rt.select.plain = plainFilter;
    return rt;
  }
  if (h.routes) {
    table = new RouteTable(h.routes, {
      onChange: () => {
        deps.logger.info(`routes file ${h.routes} changed: ${table!.size} routes; queued records go by the new ones`, { hook: h.name });
        rt.onRoutesChanged?.();
      },
      onError: (err) => deps.logger.error(`${err.message}; the routes loaded before stay in use`, { hook: h.name }),
    });
    rt.reload = () => void table!.reload();
    rt.close = () => table!.close();
  }
  compiled = compileHook({
    name: h.name,
    ...(h.routes ? { routes: table!, routeKey: h.routeKey!.replace(/^\{|\}$/g, ''), ...(h.defaultUrl ? { defaultUrl: h.defaultUrl } : {}) } : { url: h.url }),
    ...(h.types ? { types: h.types } : {}),
    includeLogRecord: h.includeLogRecord,
    match: Object.fromEntries(h.match.map((r) => [r.field, r.globs])),
  });
  rt.select.compiled = compiled;
  if (!templated && !h.routes) rt.select.ownUrl = h.url;
  if (h.routes && h.defaultUrl) rt.select.ownUrl = h.defaultUrl;
  return rt;
}

/** Standard Webhooks' header and value: a signing config with them signs the Standard Webhooks way. */
const STANDARD_SIGNATURE = { header: 'webhook-signature', format: 'v1,<base64>' };

/** The hook's body shaper (src/body/), or null for raw records. Throws UsageError naming the hook. */
function shaperOf(h: HookConfig): BodyShaper | null {
  try {
    return createBodyShaper(h.body, h.batchFormat);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`hook '${h.name}': ${err.message}`);
    throw err;
  }
}

function httpSink(h: HttpHookConfig, url: string, routeHeaders: HeaderItem[], deps: HookDeps, shaper: BodyShaper | null, shared: SharedConnections | undefined, bodies: BodyPool): Sink {
  const policy = { ...(h.retryOn.length ? { retryOn: h.retryOn } : {}), ...(h.finalOn.length ? { finalOn: h.finalOn } : {}) };
  const t = h.tls;
  const s = h.signing;
  const plainHmac = s !== undefined && s.header.toLowerCase() !== STANDARD_SIGNATURE.header;
  const opts: HttpSinkOptions = {
    url,
    version: deps.version,
    connections: h.concurrency,
    timeoutMs: h.timeoutMs,
    // a route's own headers come after the hook's: they win
    headers: [...h.headers, ...routeHeaders],
    policy,
    method: h.method,
    compression: h.compression,
    shaper,
    maxBatchBytes: h.maxBatchBytes,
    logger: deps.logger,
    clock: deps.clock,
    ...(shared ? { shared } : {}),
    bodyPool: bodies,
  };
  // The TLS keys are the sink's business only for https (their defaults are Node's own)
  if (url.startsWith('https:')) {
    opts.caFileOnly = t.caFileOnly;
    opts.tlsMinVersion = t.minVersion;
    opts.tlsInsecureSkipVerify = t.insecureSkipVerify;
  }
  if (t.caFile !== undefined) opts.caFile = t.caFile;
  if (t.clientCert !== undefined) opts.clientCert = t.clientCert;
  if (t.clientKey !== undefined) opts.clientKey = t.clientKey;
  if (t.clientKeyPassword !== undefined) opts.clientKeyPassword = t.clientKeyPassword;
  if (t.serverName !== undefined) opts.tlsServerName = t.serverName;
  if (s !== undefined) {
    opts.signingSecrets = s.secrets;
    if (plainHmac) {
      opts.signatureHeader = s.header;
      if (s.format !== STANDARD_SIGNATURE.format) opts.signatureFormat = s.format;
    }
  }
  if (h.auth?.kind === 'bearer') opts.bearerToken = h.auth.token;
  if (h.auth?.kind === 'basic') {
    opts.basicUser = h.auth.user;
    opts.basicPassword = h.auth.password;
  }
  if (h.proxy !== undefined) opts.proxy = h.proxy;
  if (deps.onHttpAnswer) opts.onAnswer = deps.onHttpAnswer;
  if (h.maxMessageRatePerSecond !== undefined) opts.maxMessageRate = h.maxMessageRatePerSecond;
  if (h.maxRequestRatePerSecond !== undefined) opts.maxRequestRate = h.maxRequestRatePerSecond;
  if (h.maxConnectionRatePerSecond !== undefined) opts.maxConnectionRate = h.maxConnectionRatePerSecond;
  if (h.maxDeliveriesPerConnection !== undefined) opts.maxDeliveriesPerConnection = h.maxDeliveriesPerConnection;
  return new HttpSink(opts);
}

/** A sink for an endpoint that has nowhere to go now: its records wait (retried with backoff), nothing is lost. */
function parked(endpoint: string, why: string): Sink {
  const outcome: SinkOutcome = {
    verdict: 'retry', explicit: false, kind: 'config', disposition: why, failureKey: 'config:no-route',
    retryAfterMs: null, signal: 'unreachable', endpointLevel: null,
  };
  return { endpoint, send: () => Promise.resolve(outcome), close: () => Promise.resolve(), destroy: () => Promise.resolve() };
}
