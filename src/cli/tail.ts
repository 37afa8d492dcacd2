// `loghook tail DIR... --url URL`: follow kumod's logs and publish every record to a webhook.
// Every option can also be set from the environment (LOGHOOK_*), which is where secrets belong.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { parseHeaderOption, type HeaderItem } from '../sinks/http/headers.js';
import { parseStatusList, type StatusRange } from '../sinks/http/policy.js';
import { createLogger, type LogFormat, type LogLevel } from '../telemetry/logger.js';
import { defaultStateDir } from '../config/state-dir.js';
import { parseCount, parseSize } from '../config/units.js';
import { UsageError, errorMessage } from '../util/errors.js';
import * as opt from './options.js';
import type { CommandContext } from './context.js';

interface TailFlags {
  url?: string;
  once: boolean;
  stateDir?: string;
  batchSize: number;
  minBatchSize: number;
  maxBatchLatency: number;
  maxBatchBytes: number;
  batchFormat: 'array' | 'ndjson';
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
  pattern?: RegExp;
  poll?: number;
  maxLineBytes: number;
  logFormat?: LogFormat;
  logLevel: LogLevel;
  summaryInterval: number;
}

const env = (o: Option, name: string) => o.env(`LOGHOOK_${name}`);

export function tailOptions(): Option[] {
  return [
    env(new Option('--url <url>', 'the webhook endpoint (http or https); user:password@ in it becomes Basic auth'), 'URL'),
    env(new Option('--once', 'read what is on disk now (the live segment\'s complete lines included), deliver it, exit (cron)').default(false), 'ONCE'),
    env(new Option('--state-dir <dir>', 'queue and checkpoints (default /var/lib/loghook if writable, else $XDG_STATE_HOME/loghook)'), 'STATE_DIR'),
    env(new Option('--batch-size <n>', 'records per request; 1 posts each record alone as KumoMTA\'s new_json does').default(1).argParser(opt.count('--batch-size')), 'BATCH_SIZE'),
    env(new Option('--min-batch-size <n>', 'wait for this many due records before sending...').default(1).argParser(opt.count('--min-batch-size')), 'MIN_BATCH_SIZE'),
    env(new Option('--max-batch-latency <duration>', '...but no longer than this').default(1000, '1s').argParser(opt.duration('--max-batch-latency')), 'MAX_BATCH_LATENCY'),
    env(new Option('--max-batch-bytes <size>', 'never send a body larger than this').default(1024 * 1024, '1MiB').argParser(opt.size('--max-batch-bytes')), 'MAX_BATCH_BYTES'),
    env(new Option('--batch-format <format>', 'body of a batch: a JSON array, or NDJSON').choices(['array', 'ndjson']).default('array'), 'BATCH_FORMAT'),
    env(new Option('--concurrency <n>', 'requests in flight').default(8).argParser(opt.count('--concurrency')), 'CONCURRENCY'),
    env(new Option('--timeout <duration>', 'per request: for the response headers, then for each chunk of body').default(30_000, '30s').argParser(opt.duration('--timeout')), 'TIMEOUT'),
    new Option('--header <header>', "'Name: value' on every request (repeatable); for secrets use LOGHOOK_HEADERS or --header-file").default([]).argParser((v: string, prev: string[]) => [...prev, v]),
    env(new Option('--header-file <file>', "file of 'Name: value' lines, sent on every request"), 'HEADER_FILE'),
    env(new Option('--retry-interval <duration>', 'first retry after this, doubling (KumoMTA retry_interval)').default(60_000, '1m').argParser(opt.duration('--retry-interval')), 'RETRY_INTERVAL'),
    env(new Option('--max-retry-interval <duration>', 'cap of the retry interval (KumoMTA max_retry_interval)').default(1_200_000, '20m').argParser(opt.duration('--max-retry-interval')), 'MAX_RETRY_INTERVAL'),
    env(new Option('--max-age <duration>', 'a message older than this expires into the dead letters (KumoMTA max_age)').default(7 * 86_400_000, '7d').argParser(opt.duration('--max-age')), 'MAX_AGE'),
    env(new Option('--retry-on <statuses>', 'also retry these statuses (e.g. 404,409 or 4xx)').argParser((v) => parseStatusList(v, '--retry-on')), 'RETRY_ON'),
    env(new Option('--final-on <statuses>', 'treat these statuses as final (e.g. 503)').argParser((v) => parseStatusList(v, '--final-on')), 'FINAL_ON'),
    env(new Option('--types <list>', 'record types to publish, comma-separated (default: all)').argParser(opt.types), 'TYPES'),
    env(new Option('--include-log-record', "also publish KumoMTA's own hook bookkeeping records (reception_protocol LogRecord)").default(false), 'INCLUDE_LOG_RECORD'),
    env(new Option('--max-queue <n|size>', 'queue limit: a number of records (1000000) or a size (2GiB); reading pauses when full').default('2GiB'), 'MAX_QUEUE'),
    env(new Option('--shutdown-timeout <duration>', 'on SIGTERM/SIGINT, wait this long for requests in flight').default(10_000, '10s').argParser(opt.duration('--shutdown-timeout')), 'SHUTDOWN_TIMEOUT'),
    env(new Option('--pattern <glob>', 'only segment files whose name matches GLOB').argParser(opt.pattern), 'PATTERN'),
    env(new Option('--poll <duration>', 'rescan every DURATION instead of using file system events (network file systems)').argParser(opt.duration('--poll')), 'POLL'),
    env(new Option('--max-line-bytes <size>', 'skip lines longer than SIZE').default(16 * 1024 * 1024, '16MiB').argParser(opt.size('--max-line-bytes')), 'MAX_LINE_BYTES'),
    env(new Option('--log-format <format>', 'text or json (default: text on a terminal, else json)').argParser(opt.logFormat), 'LOG_FORMAT'),
    env(new Option('--log-level <level>', 'debug, info, warn or error').choices(['debug', 'info', 'warn', 'error']).default('info'), 'LOG_LEVEL'),
    env(new Option('--summary-interval <duration>', 'a summary line this often while busy').default(30_000, '30s').argParser(opt.duration('--summary-interval')), 'SUMMARY_INTERVAL'),
  ];
}

/** --max-queue: a plain number is records, a number with a unit is bytes. */
export function parseMaxQueue(v: string): { records?: number; bytes?: number } {
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

export function tailCommand(ctx: CommandContext): Command {
  const cmd = new Command('tail')
    .description('follow kumod log directories and publish every record to a webhook, queued durably on disk')
    .argument('<dirs...>', 'kumod log directories (log_dir), or segment files');
  for (const o of tailOptions()) cmd.addOption(o);
  cmd.addHelpText(
    'after',
    `
Every option can also be set as LOGHOOK_<NAME> in the environment (LOGHOOK_URL, LOGHOOK_BATCH_SIZE,
LOGHOOK_ONCE=true, ...); secrets belong there or in --header-file, not on the command line.
Durations: 250ms, 30s, 1m, 7d; sizes: 512KiB, 5MB, 2GiB.

Exit codes of --once: 0 everything read was delivered; 10 records remain queued for a retry;
11 records went to the dead letters (loghook dead list). Errors: 2 usage, 3 state dir locked,
4 state dir from a newer loghook, 5 unreadable input, 1 other.`,
  );
  return cmd.action(async (dirs: string[], f: TailFlags) => {
    const logger = createLogger({ ...(f.logFormat ? { format: f.logFormat } : {}), level: f.logLevel });
    if (!f.url) throw new UsageError('--url is required (or set LOGHOOK_URL)');
    warnSecretsOnCommandLine(logger);
    const headers = collectHeaders(f, process.env);
    const q = parseMaxQueue(f.maxQueue);
    const { runTail } = await import('../pipeline/tail.js');
    const { httpHook } = await import('../pipeline/hooks.js');
    const hook = httpHook({
      name: 'default',
      url: f.url,
      includeLogRecord: f.includeLogRecord,
      ...(f.types ? { types: f.types } : {}),
      batchSize: f.batchSize,
      minBatchSize: f.minBatchSize,
      maxBatchLatencyMs: f.maxBatchLatency,
      maxBatchBytes: f.maxBatchBytes,
      batchFormat: f.batchFormat,
      concurrency: f.concurrency,
      timeoutMs: f.timeout,
      headers,
      retryIntervalMs: f.retryInterval,
      maxRetryIntervalMs: f.maxRetryInterval,
      maxAgeMs: f.maxAge,
      policy: { ...(f.retryOn ? { retryOn: f.retryOn } : {}), ...(f.finalOn ? { finalOn: f.finalOn } : {}) },
      version: ctx.version,
      logger,
      clock: ctx.clock,
    });
    const r = await runTail({
      paths: dirs,
      once: f.once,
      stateDir: f.stateDir ?? defaultStateDir(),
      maxLineBytes: f.maxLineBytes,
      hooks: [hook],
      ...(q.records !== undefined ? { maxQueueRecords: q.records } : {}),
      ...(q.bytes !== undefined ? { maxQueueBytes: q.bytes } : {}),
      shutdownTimeoutMs: f.shutdownTimeout,
      summaryIntervalMs: f.summaryInterval,
      ...(f.pattern ? { pattern: f.pattern } : {}),
      ...(f.poll !== undefined ? { pollMs: f.poll } : {}),
      logger,
      clock: ctx.clock,
      signal: ctx.signal,
      version: ctx.version,
    });
    ctx.exitCode = r.exitCode;
  });
}

/** Secrets on the command line are visible to every user in `ps`: say so (without the secret). */
function warnSecretsOnCommandLine(logger: ReturnType<typeof createLogger>): void {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = a.startsWith('--url=') ? a.slice(6) : a === '--url' ? argv[i + 1] : undefined;
    if (value && /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(value)) logger.warn('--url on the command line carries a password, visible in ps: set LOGHOOK_URL instead');
    const header = a.startsWith('--header=') ? a.slice(9) : a === '--header' ? argv[i + 1] : undefined;
    if (header && /^\s*(authorization|proxy-authorization|x-api-key|api-key|cookie)\s*:/i.test(header)) {
      logger.warn(`--header ${header.split(':')[0]!.trim()} on the command line is visible in ps: use LOGHOOK_HEADERS or --header-file`);
    }
  }
}
