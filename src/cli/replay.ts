// `loghook replay [DIR...] --since TIME [--until TIME] (--hook NAME | --url URL ...)`: deliver a
// window of history again, to one hook of the config file (with all its options) or to a URL with
// tail's delivery flags, from a state dir of its own (src/replay/state.ts).
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { createLogger } from '../telemetry/logger.js';
import { parseTimeArg } from '../config/time.js';
import { tailConfig, configFromFlags, type FlagSource, type TailFlags } from '../config/from-flags.js';
import { defaultConfigFile, loadConfigFile } from '../config/load.js';
import { DEFAULT_CONFIG_FILE, DEFAULTS } from '../config/defaults.js';
import { UsageError } from '../util/errors.js';
import { progressLines } from '../replay/progress.js';
import { defaultReplayDir, replayId } from '../replay/state.js';
import type { Config } from '../config/schema.js';
import type { CommandContext } from './context.js';
import { tailOptions } from './tail.js';
import { tailOptionsOf } from './tail-config.js';

interface ReplayFlags extends TailFlags {
  since: string;
  until?: string;
  hook?: string;
  dryRun: boolean;
}

/** tail's options a replay has too: all but --once (it always is), --start-at and --state-dir (its own). */
const NOT_FOR_REPLAY = new Set(['--once', '--start-at', '--state-dir']);

export function replayCommand(ctx: CommandContext): Command {
  const cmd = new Command('replay')
    .description('deliver the records of a time window again, to one hook of the config or to a URL, from a state dir of its own')
    .argument('[dirs...]', "kumod log directories (log_dir), or segment files (default: the config's [source] log_dirs)")
    .addOption(new Option('--since <time>', 'records with timestamp >= TIME (RFC 3339, unix seconds, or a duration ago like 2h)').makeOptionMandatory())
    .addOption(new Option('--until <time>', 'and timestamp < TIME (default: the newest)'))
    .addOption(new Option('--hook <name>', "deliver to this [[hook]] of the config file, with all its options"))
    .addOption(new Option('--state-dir <dir>', 'the replay\'s own queue and checkpoints: give it to resume (default <state_dir>/replay/<hash of the arguments>, removed once complete)'))
    .addOption(new Option('--dry-run', 'count what would be sent, per record type; send nothing').default(false));
  for (const o of tailOptions()) if (!NOT_FOR_REPLAY.has(o.long!)) cmd.addOption(o);
  cmd.addHelpText(
    'after',
    `
The window is by each record's timestamp, --until exclusive. --hook NAME takes the hook from the
config file (--config, or ${DEFAULT_CONFIG_FILE}); --url URL with tail's delivery flags
makes a new one. DIR defaults to the config's [source] log_dirs.

A replay never touches tail's checkpoints or queues and may run while tail runs. Run the same
command again after a crash (or give the same --state-dir) and it resumes where it stopped;
records go out at least once, with the event ids tail gives them.
Progress: a bar on a terminal, else a JSON line every 5s. Exit codes as tail --once.`,
  );
  return cmd.action(async (dirs: string[], f: ReplayFlags) => {
    const source: FlagSource = (k) => {
      const s = cmd.getOptionValueSource(k);
      return s === 'cli' ? 'cli' : s === 'env' ? 'env' : undefined;
    };
    if ((f.hook === undefined) === (f.url === undefined)) throw new UsageError('replay: give --hook NAME (a hook of the config file) or --url URL, one of them');
    const { config, file } = replayConfig(dirs, f, source);
    const now = ctx.clock.now();
    const sinceS = parseTimeArg(f.since, '--since', now);
    const untilS = f.until !== undefined ? parseTimeArg(f.until, '--until', now) : undefined;
    if (untilS !== undefined && untilS <= sinceS) throw new UsageError(`--until ${f.until} is not after --since ${f.since}: the window is empty`);

    const tty = process.stderr.isTTY && !f.dryRun;
    const bar = tty ? (await import('../telemetry/progress-bar.js')).terminalProgress('replay') : null;
    const logger = createLogger({ ...(config.logFormat ? { format: config.logFormat } : {}), level: config.logLevel, ...(bar ? { write: (l: string) => bar.write(l) } : {}) });
    const options = tailOptionsOf(config, file, { version: ctx.version, logger, clock: ctx.clock });
    const hook = options.hooks[0]!;
    const id = replayId({ dirs: options.paths.map((p) => resolve(p)), since: f.since, until: f.until ?? null, hook: f.hook ?? null, url: f.url ?? null });
    const own = f.stateDir ?? defaultReplayDir(config.stateDir, id);
    try {
      const { runReplay } = await import('../replay/replay.js');
      const r = await runReplay({
        ...options,
        hook,
        window: { sinceS, ...(untilS !== undefined ? { untilS } : {}) },
        stateDir: own,
        removeWhenDone: f.stateDir === undefined,
        liveStateDir: config.stateDir,
        id,
        dryRun: f.dryRun,
        logger,
        clock: ctx.clock,
        signal: ctx.signal,
        version: ctx.version,
        progress: bar ?? progressLines((m, fields) => logger.info(m, fields)),
      });
      if (r.kind === 'dry-run') {
        ctx.stdout.write(JSON.stringify({ records: r.counts.records, byType: r.counts.byType, outsideWindow: r.counts.window.outside, filtered: r.counts.filtered, unrouted: r.counts.unrouted, invalid: r.counts.invalid }) + '\n');
        ctx.exitCode = r.exitCode as typeof ctx.exitCode;
      } else ctx.exitCode = r.tail.exitCode;
    } finally {
      hook.close?.();
    }
  });
}

/**
 * The replay's Config: one hook. --hook takes it from the config file (which must exist); --url
 * makes it from the flags, the log dirs from DIR or the config's [source]. The config's start
 * position and metrics are not the replay's.
 */
function replayConfig(dirs: string[], f: ReplayFlags, source: FlagSource): { config: Config; file: string | null } {
  const flags: TailFlags = { ...f, stateDir: undefined, once: true };
  const given: FlagSource = (k) => (k === 'stateDir' ? undefined : source(k));
  let config: Config;
  let file: string | null;
  if (f.hook !== undefined) {
    const loaded = tailConfig(dirs, { ...flags, url: undefined }, given, process.env);
    if (loaded.file === null) throw new UsageError('--hook needs a config file: give --config FILE');
    const hook = loaded.config.hooks.find((h) => h.name === f.hook);
    if (!hook) throw new UsageError(`--hook ${f.hook}: ${loaded.file} has no such hook (it has ${loaded.config.hooks.map((h) => h.name).join(', ')})`);
    config = { ...loaded.config, hooks: [hook] };
    file = loaded.file;
  } else {
    file = f.config || defaultConfigFile(process.env);
    const fromFile = file !== null ? loadConfigFile(file, { env: process.env }).config : null;
    const logDirs = dirs.length > 0 ? dirs : (fromFile?.source.logDirs ?? []);
    config = configFromFlags(logDirs, flags, process.env);
    if (fromFile) config = { ...config, stateDir: fromFile.stateDir };
  }
  return { config: { ...config, startAt: { kind: 'oldest' }, metrics: { readyMaxDownMs: DEFAULTS.readyMaxDownMs } }, file };
}
