// `loghook tail DIR... --url URL` or `loghook tail --config FILE`: follow kumod's logs and publish
// every record to a webhook. Every option can also be set from the environment (LOGHOOK_*), which
// is where secrets belong. The flags and the file become one Config (src/config/from-flags.ts).
import { Command, Option } from 'commander';
import { parseStatusList } from '../sinks/http/policy.js';
import { createLogger } from '../telemetry/logger.js';
import { DEFAULTS, DEFAULT_CONFIG_FILE, HOOK_DEFAULTS as H } from '../config/defaults.js';
import { formatBytes, formatDuration } from '../config/units.js';
import { tailConfig, type FlagSource, type TailFlags } from '../config/from-flags.js';
import * as opt from './options.js';
import type { CommandContext } from './context.js';
import { tailOptionsOf } from './tail-config.js';

const env = (o: Option, name: string) => o.env(`LOGHOOK_${name}`);

/** `tail --once` shows progress from this much compressed input on (about 30,000 records). */
export const ONCE_PROGRESS_BYTES = 4 * 1024 * 1024;

export function tailOptions(): Option[] {
  return [
    env(new Option('--config <file>', `the hooks and settings from this TOML file (default ${DEFAULT_CONFIG_FILE} when it exists and no DIR --url is given)`), 'CONFIG'),
    env(new Option('--url <url>', 'the webhook endpoint (http or https); user:password@ in it becomes Basic auth'), 'URL'),
    env(new Option('--once', 'read what is on disk now (the live segment\'s complete lines included), deliver it, exit (cron)').default(false), 'ONCE'),
    env(new Option('--start-at <where>', "a state dir's first start reads from: oldest (all on disk), end (only what kumod writes from now on), or TIME (RFC 3339 or a duration ago like 2h); ignored once it has a checkpoint").argParser(opt.startAt), 'START_AT'),
    env(new Option('--state-dir <dir>', 'queue and checkpoints (default /var/lib/loghook if writable, else $XDG_STATE_HOME/loghook)'), 'STATE_DIR'),
    env(new Option('--batch-size <n>', 'records per request; 1 posts each record alone as KumoMTA\'s new_json does').default(H.batchSize).argParser(opt.count('--batch-size')), 'BATCH_SIZE'),
    env(new Option('--min-batch-size <n>', 'wait for this many due records before sending...').default(H.minBatchSize).argParser(opt.count('--min-batch-size')), 'MIN_BATCH_SIZE'),
    env(new Option('--max-batch-latency <duration>', '...but no longer than this').default(H.maxBatchLatencyMs, formatDuration(H.maxBatchLatencyMs)).argParser(opt.duration('--max-batch-latency')), 'MAX_BATCH_LATENCY'),
    env(new Option('--max-batch-bytes <size>', 'never send a body larger than this').default(H.maxBatchBytes, formatBytes(H.maxBatchBytes)).argParser(opt.size('--max-batch-bytes')), 'MAX_BATCH_BYTES'),
    env(new Option('--batch-format <format>', 'body of a batch: a JSON array, NDJSON, or an envelope with each event id').choices(['array', 'ndjson', 'envelope']).default(H.batchFormat), 'BATCH_FORMAT'),
    env(new Option('--concurrency <n>', 'requests in flight').default(H.concurrency).argParser(opt.count('--concurrency')), 'CONCURRENCY'),
    env(new Option('--timeout <duration>', 'the whole request, from its start to the last byte of the answer').default(H.timeoutMs, formatDuration(H.timeoutMs)).argParser(opt.duration('--timeout')), 'TIMEOUT'),
    new Option('--header <header>', "'Name: value' on every request (repeatable); for secrets use LOGHOOK_HEADERS or --header-file").default([]).argParser((v: string, prev: string[]) => [...prev, v]),
    env(new Option('--header-file <file>', "file of 'Name: value' lines, sent on every request"), 'HEADER_FILE'),
    env(new Option('--retry-interval <duration>', 'first retry after this, doubling (KumoMTA retry_interval)').default(H.retryIntervalMs, formatDuration(H.retryIntervalMs)).argParser(opt.duration('--retry-interval')), 'RETRY_INTERVAL'),
    env(new Option('--max-retry-interval <duration>', 'cap of the retry interval (KumoMTA max_retry_interval)').default(H.maxRetryIntervalMs, formatDuration(H.maxRetryIntervalMs)).argParser(opt.duration('--max-retry-interval')), 'MAX_RETRY_INTERVAL'),
    env(new Option('--max-age <duration>', 'a message older than this expires into the dead letters (KumoMTA max_age)').default(H.maxAgeMs, formatDuration(H.maxAgeMs)).argParser(opt.duration('--max-age')), 'MAX_AGE'),
    env(new Option('--retry-on <statuses>', 'also retry these statuses (e.g. 404,409 or 4xx)').argParser((v) => parseStatusList(v, '--retry-on')), 'RETRY_ON'),
    env(new Option('--final-on <statuses>', 'treat these statuses as final (e.g. 503)').argParser((v) => parseStatusList(v, '--final-on')), 'FINAL_ON'),
    env(new Option('--types <list>', 'record types to publish, comma-separated (default: all)').argParser(opt.types), 'TYPES'),
    env(new Option('--include-log-record', "also publish KumoMTA's own hook bookkeeping records (reception_protocol LogRecord)").default(H.includeLogRecord), 'INCLUDE_LOG_RECORD'),
    env(new Option('--max-queue <n|size>', 'queue limit: a number of records (1000000) or a size (2GiB); reading pauses when full').default(formatBytes(DEFAULTS.maxQueueBytes)), 'MAX_QUEUE'),
    env(new Option('--shutdown-timeout <duration>', 'on SIGTERM/SIGINT, wait this long for requests in flight').default(DEFAULTS.shutdownTimeoutMs, formatDuration(DEFAULTS.shutdownTimeoutMs)).argParser(opt.duration('--shutdown-timeout')), 'SHUTDOWN_TIMEOUT'),
    env(new Option('--pattern <glob>', 'only segment files whose name matches GLOB').argParser((v: string) => (opt.pattern(v), v)), 'PATTERN'),
    env(new Option('--poll <duration>', 'rescan every DURATION instead of using file system events (network file systems)').argParser(opt.duration('--poll')), 'POLL'),
    env(new Option('--max-line-bytes <size>', 'skip lines longer than SIZE').default(DEFAULTS.maxLineBytes, formatBytes(DEFAULTS.maxLineBytes)).argParser(opt.size('--max-line-bytes')), 'MAX_LINE_BYTES'),
    env(new Option('--log-format <format>', 'text or json (default: text on a terminal, else json)').argParser(opt.logFormat), 'LOG_FORMAT'),
    env(new Option('--log-level <level>', 'debug, info, warn or error').choices(['debug', 'info', 'warn', 'error']).default(DEFAULTS.logLevel), 'LOG_LEVEL'),
    env(new Option('--metrics-listen <host:port>', 'serve Prometheus /metrics, /healthz and /readyz there, e.g. 127.0.0.1:9464 ([metrics] listen)').argParser(opt.listen('--metrics-listen')), 'METRICS_LISTEN'),
    env(new Option('--summary-interval <duration>', 'a summary line this often while busy').default(DEFAULTS.summaryIntervalMs, formatDuration(DEFAULTS.summaryIntervalMs)).argParser(opt.duration('--summary-interval')), 'SUMMARY_INTERVAL'),
  ];
}

export function tailCommand(ctx: CommandContext): Command {
  const cmd = new Command('tail')
    .description('follow kumod log directories and publish every record to a webhook, queued durably on disk')
    .argument('[dirs...]', 'kumod log directories (log_dir), or segment files; with --config they replace [source] log_dirs');
  for (const o of tailOptions()) cmd.addOption(o);
  cmd.addHelpText(
    'after',
    `
Every option can also be set as LOGHOOK_<NAME> in the environment (LOGHOOK_URL, LOGHOOK_BATCH_SIZE,
LOGHOOK_ONCE=true, ...); secrets belong there or in --header-file, not on the command line.
Durations: 250ms, 30s, 1m, 7d; sizes: 512KiB, 5MB, 2GiB.

With --config FILE (or ${DEFAULT_CONFIG_FILE} when it exists and no DIR --url is given) the
hooks come from the file; the options that are not about a hook (--state-dir, --max-queue,
--log-*, --pattern, --poll, ...) and DIR override it. loghook check validates a file.

Exit codes of --once: 0 everything read was delivered; 10 records remain queued for a retry;
11 records went to the dead letters (loghook dead list); 12 a receiver never answered in this
run (refused, DNS, timeout); 13 a receiver's setup is wrong (certificate, redirect, 401/403/404);
14 interrupted by SIGINT/SIGTERM; 5 unreadable input. When several apply the first of
5, 14, 13, 12, 11, 10 wins. Errors: 2 usage or configuration, 3 state dir locked, 4 state dir
from a newer loghook, 6 state dir damaged (loghook state check; README "Damaged state"), 1 other.`,
  );
  return cmd.action(async (dirs: string[], f: TailFlags) => {
    // validated before any state is touched: a bad file or flag changes nothing
    const source: FlagSource = (k) => {
      const s = cmd.getOptionValueSource(k);
      return s === 'cli' ? 'cli' : s === 'env' ? 'env' : undefined;
    };
    const { config, file } = tailConfig(dirs, f, source, process.env);
    // a long --once on a terminal: a progress bar, with the log lines above it (a short one,
    // like the quick start's, keeps the terminal to the lines it shares with a receiver)
    const bar = f.once && process.stderr.isTTY ? (await import('../telemetry/progress-bar.js')).terminalProgress('tail --once', { minInputBytes: ONCE_PROGRESS_BYTES }) : null;
    const logger = createLogger({ ...(config.logFormat ? { format: config.logFormat } : {}), level: config.logLevel, ...(bar ? { write: (l: string) => bar.write(l) } : {}) });
    if (file === null) warnSecretsOnCommandLine(logger);
    else logger.info(`configuration from ${file}`);
    const options = tailOptionsOf(config, file, { version: ctx.version, logger, clock: ctx.clock });
    // SIGHUP re-reads the routes files (systemctl reload): nothing is lost or sent again.
    const reload = () => {
      logger.info('SIGHUP: reading the routes files again');
      for (const h of options.hooks) h.reload?.();
    };
    process.on('SIGHUP', reload);
    try {
      const { runTail } = await import('../pipeline/tail.js');
      const r = await runTail({ ...options, once: f.once, logger, clock: ctx.clock, signal: ctx.signal, version: ctx.version, ...(bar ? { progress: bar } : {}) });
      ctx.exitCode = r.exitCode;
    } finally {
      process.off('SIGHUP', reload);
      for (const h of options.hooks) h.close?.();
    }
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
