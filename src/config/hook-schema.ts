// One [[hook]] table: its keys by kind (KumoMTA's names), each key's zod schema, and the rules
// between keys (required per kind, pairs, exclusions). buildHook() applies HOOK_DEFAULTS.
import * as f from './fields.js';
import * as hf from './hook-fields.js';
import { HOOK_DEFAULTS } from './defaults.js';
import type { AmqpHookConfig, BodyConfig, HookBase, HookConfig, HookKind, HttpHookConfig, NatsHookConfig, TlsConfig } from './schema.js';
import type { KeyPath } from './problems.js';
import { bodyProblems } from '../body/shaper.js';

export interface SchemaContext {
  /** relative paths in the file are relative to its directory */
  baseDir: string;
}

export const HOOK_KINDS = ['http', 'amqp', 'nats'] as const;

function commonShape(ctx: SchemaContext) {
  return {
    name: hf.hookName,
    kind: f.oneOf(HOOK_KINDS),
    types: hf.recordTypes,
    include_log_record: f.bool,
    match: hf.matchTable,
    batch_size: f.count(1),
    min_batch_size: f.count(1),
    max_batch_latency: f.duration,
    max_batch_bytes: f.size,
    batch_format: f.oneOf(['array', 'ndjson', 'envelope'] as const),
    concurrency: f.count(1),
    timeout: f.duration,
    retry_interval: f.duration,
    max_retry_interval: f.duration,
    max_age: f.duration,
    max_message_rate: f.rate,
    body: f.oneOf(['raw', 'fields', 'template'] as const),
    fields: f.list(f.text, 'a list of field names'),
    rename: hf.stringTable,
    add: hf.stringTable,
    template: f.str,
    template_file: f.readableFile(ctx.baseDir),
    ca_file: f.readableFile(ctx.baseDir),
    ca_file_only: f.bool,
    client_cert: f.readableFile(ctx.baseDir),
    client_key: f.readableFile(ctx.baseDir),
    client_key_password: f.str,
    tls_min_version: f.oneOf(['TLSv1.2', 'TLSv1.3'] as const),
    tls_server_name: f.str,
    tls_insecure_skip_verify: f.bool,
  };
}

function httpShape(ctx: SchemaContext) {
  return {
    url: hf.url(['http', 'https'], true),
    routes: f.pathIn(ctx.baseDir),
    route_key: hf.template,
    default_url: hf.url(['http', 'https'], false),
    headers: hf.headerTable,
    retry_on: hf.statuses,
    final_on: hf.statuses,
    method: f.oneOf(['POST', 'PUT'] as const),
    compression: f.oneOf(['none', 'gzip', 'zstd'] as const),
    signing_secret: hf.signingSecrets,
    signature_header: f.str,
    signature_format: hf.signatureFormat,
    bearer_token: f.str,
    basic_user: f.str,
    basic_password: f.str,
    proxy: hf.url(['http', 'https'], false),
    max_request_rate: f.rate,
    max_connection_rate: f.rate,
    max_deliveries_per_connection: f.count(1),
  };
}

const amqpShape = {
  url: hf.url(['amqp', 'amqps'], false),
  exchange: f.field((v) => (typeof v === 'string' ? v : f.text(v))),
  routing_key: f.field((v) => (v === '' ? '' : hf.templateText(v))),
  mandatory: f.bool,
};

function natsShape(ctx: SchemaContext) {
  return {
    servers: f.list(hf.natsServer, 'a list of servers, e.g. ["nats://127.0.0.1:4222"]'),
    subject: hf.template,
    token: f.str,
    user: f.str,
    password: f.str,
    nkey_seed: f.field((v) => {
      // a user seed: never echoed
      if (typeof v !== 'string' || !/^SU[A-Z2-7]{50,}$/.test(v)) throw new f.Bad('not an NKey user seed (one starts with SU)');
      return v;
    }),
    creds_file: f.readableFile(ctx.baseDir),
  };
}

export function hookShape(kind: HookKind | null, ctx: SchemaContext) {
  const common = commonShape(ctx);
  if (kind === 'http') return { ...common, ...httpShape(ctx) };
  if (kind === 'amqp') return { ...common, ...amqpShape };
  if (kind === 'nats') return { ...common, ...natsShape(ctx) };
  return common;
}

/** Every key a hook of `kind` may have; the kinds a key belongs to. */
const ctx0 = { baseDir: '/' };
export const HOOK_KEYS: Record<HookKind, string[]> = {
  http: Object.keys(hookShape('http', ctx0)),
  amqp: Object.keys(hookShape('amqp', ctx0)),
  nats: Object.keys(hookShape('nats', ctx0)),
};
export function kindsOf(key: string): HookKind[] {
  return HOOK_KINDS.filter((k) => HOOK_KEYS[k].includes(key));
}

type Parsed = Partial<Record<string, unknown>>;
export interface RuleProblem {
  path: KeyPath;
  message: string;
}

/**
 * The rules between keys, judged on which keys the table has (a key whose value is bad still
 * counts as given, so one mistake is reported once). `path` is the hook's table.
 */
export function hookRules(kind: HookKind, has: (key: string) => boolean, p: Parsed, path: KeyPath): RuleProblem[] {
  const out: RuleProblem[] = [];
  const at = (key: string | null, message: string) => out.push({ path: key ? [...path, key] : path, message });
  const pair = (a: string, b: string) => {
    if (has(a) && !has(b)) at(a, `${a} needs ${b} too`);
    if (has(b) && !has(a)) at(b, `${b} needs ${a} too`);
  };
  const only = (key: string, when: boolean, why: string) => {
    if (has(key) && !when) at(key, `${key} is only used ${why}`);
  };
  const exclusive = (keys: string[], what: string) => {
    const given = keys.filter(has);
    if (given.length > 1) at(given[1]!, `${given.join(' and ')} are exclusive: choose one ${what}`);
  };

  if (kind === 'http') {
    if (!has('url')) at(null, 'missing url (the endpoint, http:// or https://)');
    pair('routes', 'route_key');
    const urlTemplated = typeof p.url === 'string' && /\{[^{]/.test(p.url.replace(/\{\{/g, ''));
    only('default_url', has('routes') || urlTemplated, 'with routes or a url with {field} placeholders');
    pair('basic_user', 'basic_password');
    exclusive(['bearer_token', 'basic_user'], 'way to authenticate');
    if ((has('bearer_token') || has('basic_user')) && typeof p.url === 'string' && hasUserinfo(p.url)) {
      at(has('bearer_token') ? 'bearer_token' : 'basic_user', 'the url carries user:password@ already: choose one way to authenticate');
    }
    only('signature_header', has('signing_secret'), 'with signing_secret');
    only('signature_format', has('signing_secret'), 'with signing_secret');
  }
  if (kind === 'amqp') {
    if (!has('url')) at(null, 'missing url (the broker, amqp:// or amqps://)');
    if (!has('exchange') && !has('routing_key')) at(null, 'missing routing_key (with the default exchange it names the queue) or exchange');
  }
  if (kind === 'nats') {
    if (!has('servers')) at(null, 'missing servers (e.g. ["nats://127.0.0.1:4222"])');
    if (!has('subject')) at(null, 'missing subject (a template such as "kumo.{type}")');
    pair('user', 'password');
    exclusive(['token', 'user', 'nkey_seed', 'creds_file'], 'way to authenticate');
  }
  pair('client_cert', 'client_key');
  only('client_key_password', has('client_key'), 'with client_key');
  only('ca_file_only', has('ca_file'), 'with ca_file');
  if (has('body') && p.body === undefined) return out; // a bad body value: what goes with it cannot be judged
  const body = (p.body as string | undefined) ?? HOOK_DEFAULTS.body;
  if (body === 'fields' && !has('fields')) at('body', 'body = "fields" needs fields (the record fields to send)');
  for (const k of ['fields', 'rename', 'add']) only(k, body === 'fields', 'with body = "fields"');
  if (body === 'template' && !has('template') && !has('template_file')) at('body', 'body = "template" needs template or template_file');
  exclusive(['template', 'template_file'], 'source of the template');
  for (const k of ['template', 'template_file']) only(k, body === 'template', 'with body = "template"');
  // a template that does not compile, fields that contradict each other: found before tail starts
  if (body === 'template' || body === 'fields') for (const b of bodyProblems(p)) at(b.key, b.message);
  if (typeof p.min_batch_size === 'number' && p.min_batch_size > ((p.batch_size as number | undefined) ?? HOOK_DEFAULTS.batchSize)) {
    at('min_batch_size', `min_batch_size (${p.min_batch_size}) is more than batch_size (${(p.batch_size as number | undefined) ?? HOOK_DEFAULTS.batchSize})`);
  }
  if (typeof p.max_retry_interval === 'number' && p.max_retry_interval < ((p.retry_interval as number | undefined) ?? HOOK_DEFAULTS.retryIntervalMs)) {
    at('max_retry_interval', 'max_retry_interval is shorter than retry_interval');
  }
  return out;
}

function hasUserinfo(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(url);
}

/** The typed hook from its parsed keys, once they and the rules are all valid. */
export function buildHook(kind: HookKind, p: Parsed): HookConfig {
  const d = HOOK_DEFAULTS;
  const v = <T>(key: string, dflt: T): T => (p[key] === undefined ? dflt : (p[key] as T));
  const opt = <T>(key: string): T | undefined => p[key] as T | undefined;
  const tls: TlsConfig = {
    ...(p.ca_file !== undefined ? { caFile: p.ca_file as string } : {}),
    caFileOnly: v('ca_file_only', d.caFileOnly),
    ...(p.client_cert !== undefined ? { clientCert: p.client_cert as string, clientKey: p.client_key as string } : {}),
    ...(p.client_key_password !== undefined ? { clientKeyPassword: p.client_key_password as string } : {}),
    minVersion: v('tls_min_version', d.tlsMinVersion),
    ...(p.tls_server_name !== undefined ? { serverName: p.tls_server_name as string } : {}),
    insecureSkipVerify: v('tls_insecure_skip_verify', d.tlsInsecureSkipVerify),
  };
  const mode = v<BodyConfig['mode']>('body', d.body);
  const body: BodyConfig =
    mode === 'fields'
      ? { mode, fields: p.fields as string[], rename: v('rename', {}), add: v('add', {}) }
      : mode === 'template'
        ? p.template !== undefined
          ? { mode, template: p.template as string }
          : { mode, templateFile: p.template_file as string }
        : { mode: 'raw' };
  const base: Omit<HookBase, 'kind'> = {
    name: p.name as string,
    ...(p.types !== undefined ? { types: p.types as HookBase['types'] } : {}),
    includeLogRecord: v('include_log_record', d.includeLogRecord),
    match: v('match', []),
    batchSize: v('batch_size', d.batchSize),
    minBatchSize: v('min_batch_size', d.minBatchSize),
    maxBatchLatencyMs: v('max_batch_latency', d.maxBatchLatencyMs),
    maxBatchBytes: v('max_batch_bytes', d.maxBatchBytes),
    batchFormat: v('batch_format', d.batchFormat),
    concurrency: v('concurrency', d.concurrency),
    timeoutMs: v('timeout', d.timeoutMs),
    retryIntervalMs: v('retry_interval', d.retryIntervalMs),
    maxRetryIntervalMs: v('max_retry_interval', d.maxRetryIntervalMs),
    maxAgeMs: v('max_age', d.maxAgeMs),
    ...(p.max_message_rate !== undefined ? { maxMessageRatePerSecond: p.max_message_rate as number } : {}),
    body,
    tls,
  };
  if (kind === 'amqp') {
    const h: AmqpHookConfig = { ...base, kind, url: p.url as string, exchange: v('exchange', d.exchange), routingKey: v('routing_key', d.routingKey), mandatory: v('mandatory', d.mandatory) };
    return h;
  }
  if (kind === 'nats') {
    const auth: NatsHookConfig['auth'] =
      p.token !== undefined ? { kind: 'token', token: p.token as string }
      : p.user !== undefined ? { kind: 'user', user: p.user as string, password: p.password as string }
      : p.nkey_seed !== undefined ? { kind: 'nkey', seed: p.nkey_seed as string }
      : p.creds_file !== undefined ? { kind: 'creds', file: p.creds_file as string }
      : undefined;
    const h: NatsHookConfig = { ...base, kind, servers: p.servers as string[], subject: p.subject as string, ...(auth ? { auth } : {}) };
    return h;
  }
  const auth: HttpHookConfig['auth'] =
    p.bearer_token !== undefined ? { kind: 'bearer', token: p.bearer_token as string }
    : p.basic_user !== undefined ? { kind: 'basic', user: p.basic_user as string, password: p.basic_password as string }
    : undefined;
  const h: HttpHookConfig = {
    ...base,
    kind: 'http',
    url: p.url as string,
    ...(p.routes !== undefined ? { routes: p.routes as string, routeKey: p.route_key as string } : {}),
    ...(p.default_url !== undefined ? { defaultUrl: p.default_url as string } : {}),
    headers: v('headers', []),
    retryOn: v('retry_on', []),
    finalOn: v('final_on', []),
    method: v('method', d.method),
    compression: v('compression', d.compression),
    ...(p.signing_secret !== undefined
      ? { signing: { secrets: p.signing_secret as string[], header: v('signature_header', d.signatureHeader), format: v('signature_format', d.signatureFormat) } }
      : {}),
    ...(auth ? { auth } : {}),
    ...(opt('proxy') !== undefined ? { proxy: opt<string>('proxy')! } : {}),
    ...(opt('max_request_rate') !== undefined ? { maxRequestRatePerSecond: opt<number>('max_request_rate')! } : {}),
    ...(opt('max_connection_rate') !== undefined ? { maxConnectionRatePerSecond: opt<number>('max_connection_rate')! } : {}),
    ...(opt('max_deliveries_per_connection') !== undefined ? { maxDeliveriesPerConnection: opt<number>('max_deliveries_per_connection')! } : {}),
  };
  return h;
}
