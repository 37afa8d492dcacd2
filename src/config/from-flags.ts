// The flags of `tail` as a Config. `tail DIR... --url URL [flags]` is one hook named `default`,
// exactly as before the config file existed. With a config file (--config FILE, LOGHOOK_CONFIG,
// or /etc/loghook/loghook.toml when neither --config nor DIR --url is given), the top-level flags
// (state dir, queue bound, log options, source options) and DIR override the file; a hook flag
// (--url, --batch-size, ...) is refused, since the file's hooks are the ones that run.
import { readFileSync } from 'node:fs';
import { parseHeaderOption, type HeaderItem } from '../sinks/http/headers.js';
import type { StatusRange } from '../sinks/http/policy.js';
import type { LogFormat, LogLevel } from '../telemetry/logger.js';
import { UsageError, errorMessage } from '../util/errors.js';
import { defaultStateDir } from './state-dir.js';
import { parseCount, parseSize } from './units.js';
import { DEFAULTS, FLAGS_HOOK_NAME } from './defaults.js';
import { buildHook } from './hook-schema.js';
import { url as urlField } from './hook-fields.js';
import { defaultConfigFile, loadConfigFile, type LoadedConfig } from './load.js';
import type { Overrides } from './validate.js';
import type { Config, StartAt } from './schema.js';

/** The values of tail's flags as commander parses them (defaults from defaults.ts). */
export interface TailFlags {
  config?: string;
  url?: string;
  once: boolean;
  stateDir?: string;
  batchSize: number;
  minBatchSize: number;
  maxBatchLatency: number;
  maxBatchBytes: number;
  batchFormat: 'array' | 'ndjson' | 'envelope';
  concurrency: number;
  timeout: number;
  header: string[];
  headerFile?: string;
  retryInterval: number;
  maxRetryInterval: number;
  maxAge: number;
  retryOn?: StatusRange[];
  finalOn?: StatusRange[];
  types?: Set<string>;
  includeLogRecord: boolean;
  maxQueue: string;
  shutdownTimeout: number;
  /** a glob, checked by the flag's parser */
  pattern?: string;
  poll?: number;
  maxLineBytes: number;
  logFormat?: LogFormat;
  logLevel: LogLevel;
  summaryInterval: number;
  /** oldest, end or a time (checked by the flag's parser) */
  startAt?: StartAt;
  metricsListen?: { host: string; port: number };
}

/** Flags that configure the `default` hook: with a config file, its [[hook]] keys say this. */
const HOOK_FLAGS: Partial<Record<keyof TailFlags, string>> = {
  url: 'url', batchSize: 'batch_size', minBatchSize: 'min_batch_size', maxBatchLatency: 'max_batch_latency',
  maxBatchBytes: 'max_batch_bytes', batchFormat: 'batch_format', concurrency: 'concurrency', timeout: 'timeout',
  header: 'headers', headerFile: 'headers', retryInterval: 'retry_interval', maxRetryInterval: 'max_retry_interval',
  maxAge: 'max_age', retryOn: 'retry_on', finalOn: 'final_on', types: 'types', includeLogRecord: 'include_log_record',
};

/** How a flag was given: 'cli', 'env' (its LOGHOOK_* variable), or undefined (its default). */
export type FlagSource = (key: keyof TailFlags) => 'cli' | 'env' | undefined;

/** `tail`'s Config, from the flags alone or from a config file with the flags over it. */
export function tailConfig(dirs: string[], f: TailFlags, source: FlagSource, env: NodeJS.ProcessEnv): LoadedConfig {
  const file = f.config || (dirs.length > 0 && f.url ? null : defaultConfigFile(env));
  if (file === null) return { config: configFromFlags(dirs, f, env), file: null, secrets: new Set() };
  const given = (Object.keys(HOOK_FLAGS) as (keyof TailFlags)[]).filter((k) => source(k) !== undefined);
  const named = given.map((k) => {
    const flag = `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return source(k) === 'env' ? `LOGHOOK_${flag.slice(2).replace(/-/g, '_').toUpperCase()} (${flag})` : flag;
  });
  if (env.LOGHOOK_HEADERS) named.push('LOGHOOK_HEADERS');
  if (named.length > 0) {
    const keys = [...new Set(given.map((k) => HOOK_FLAGS[k]!).concat(env.LOGHOOK_HEADERS ? ['headers'] : []))];
    throw new UsageError(`${named.join(', ')}: ${named.length > 1 ? 'these configure' : 'this configures'} the hook of 'tail DIR --url', but the hooks come from ${file}: set ${keys.join(', ')} in its [[hook]] tables instead`);
  }
  return loadConfigFile(file, { env, overrides: overridesFromFlags(dirs, f, source) });
}

/** `tail DIR... --url URL [flags]`: one http hook named `default`. */
export function configFromFlags(dirs: string[], f: TailFlags, env: NodeJS.ProcessEnv): Config {
  if (dirs.length === 0) throw new UsageError('no log directory: give DIR... and --url URL, or --config FILE');
  if (!f.url) throw new UsageError('--url is required (or set LOGHOOK_URL)');
  const url = urlField(['http', 'https'], true).safeParse(f.url);
  if (!url.success) throw new UsageError(`--url: ${url.error.issues[0]!.message}`);
  const hook = buildHook('http', {
    name: FLAGS_HOOK_NAME,
    url: f.url,
    ...(f.types ? { types: [...f.types] } : {}),
    include_log_record: f.includeLogRecord,
    batch_size: f.batchSize,
    min_batch_size: f.minBatchSize,
    max_batch_latency: f.maxBatchLatency,
    max_batch_bytes: f.maxBatchBytes,
    batch_format: f.batchFormat,
    concurrency: f.concurrency,
    timeout: f.timeout,
    headers: collectHeaders(f, env),
    retry_interval: f.retryInterval,
    max_retry_interval: f.maxRetryInterval,
    max_age: f.maxAge,
    ...(f.retryOn ? { retry_on: f.retryOn } : {}),
    ...(f.finalOn ? { final_on: f.finalOn } : {}),
  });
  return {
    stateDir: f.stateDir ?? defaultStateDir(env),
    maxQueue: parseMaxQueue(f.maxQueue),
    shutdownTimeoutMs: f.shutdownTimeout,
    summaryIntervalMs: f.summaryInterval,
    ...(f.logFormat ? { logFormat: f.logFormat } : {}),
    logLevel: f.logLevel,
    startAt: f.startAt ?? { kind: 'oldest' },
    source: {
      logDirs: dirs,
      ...(f.pattern !== undefined ? { pattern: f.pattern } : {}),
      ...(f.poll !== undefined ? { pollMs: f.poll } : {}),
      maxLineBytes: f.maxLineBytes,
    },
    metrics: { ...(f.metricsListen ? { listen: f.metricsListen } : {}), readyMaxDownMs: DEFAULTS.readyMaxDownMs },
    hooks: [hook],
  };
}

/** The top-level flags given (not defaulted) and DIR, to lay over a config file. */
export function overridesFromFlags(dirs: string[], f: TailFlags, source: FlagSource): Overrides {
  const given = (k: keyof TailFlags) => source(k) !== undefined;
  return {
    ...(dirs.length > 0 ? { logDirs: dirs } : {}),
    ...(given('stateDir') && f.stateDir ? { stateDir: f.stateDir } : {}),
    ...(given('maxQueue') ? { maxQueue: parseMaxQueue(f.maxQueue) } : {}),
    ...(given('shutdownTimeout') ? { shutdownTimeoutMs: f.shutdownTimeout } : {}),
    ...(given('summaryInterval') ? { summaryIntervalMs: f.summaryInterval } : {}),
    ...(given('logFormat') && f.logFormat ? { logFormat: f.logFormat } : {}),
    ...(given('logLevel') ? { logLevel: f.logLevel } : {}),
    ...(given('startAt') && f.startAt ? { startAt: f.startAt } : {}),
    ...(given('pattern') && f.pattern !== undefined ? { pattern: f.pattern } : {}),
    ...(given('poll') && f.poll !== undefined ? { pollMs: f.poll } : {}),
    ...(given('maxLineBytes') ? { maxLineBytes: f.maxLineBytes } : {}),
    ...(given('metricsListen') && f.metricsListen ? { metricsListen: f.metricsListen } : {}),
  };
}

/** --max-queue: a plain number is records, a number with a unit is bytes. */
export function parseMaxQueue(v: string): Config['maxQueue'] {
  return /^\s*\d+\s*$/.test(v) ? { records: parseCount(v, '--max-queue') } : { bytes: parseSize(v, '--max-queue') };
}

/** --header, --header-file and LOGHOOK_HEADERS (one 'Name: value' per line). */
export function collectHeaders(f: { header: string[]; headerFile?: string }, environment: NodeJS.ProcessEnv): HeaderItem[] {
  const items: HeaderItem[] = [];
  for (const h of f.header) items.push(parseHeaderOption(h, '--header'));
  if (f.headerFile) {
    let text: string;
    try {
      text = readFileSync(f.headerFile, 'utf8');
    } catch (err) {
      throw new UsageError(`--header-file ${f.headerFile}: ${errorMessage(err)}`);
    }
    for (const line of text.split('\n')) if (line.trim() && !line.trim().startsWith('#')) items.push(parseHeaderOption(line, `--header-file ${f.headerFile}`));
  }
  for (const line of (environment.LOGHOOK_HEADERS ?? '').split('\n')) if (line.trim()) items.push(parseHeaderOption(line, 'LOGHOOK_HEADERS'));
  return items;
}
