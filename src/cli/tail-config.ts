// A Config becomes the tail pipeline's options: the hooks built (pipeline/hooks.ts), the source
// and state settings mapped. What the config validates but this build does not do yet is refused
// here, by name, instead of being ignored (a key ignored would publish what the operator meant
// to shape, sign or filter differently).
import { globToRegExp } from '../source/segment-name.js';
import { UsageError } from '../util/errors.js';
import type { Config, HookConfig } from '../config/schema.js';
import type { TailOptions } from '../pipeline/tail.js';
import { hooksOf, type HookDeps } from '../pipeline/hooks.js';

export type ConfigTailOptions = Omit<TailOptions, 'once' | 'logger' | 'clock' | 'random' | 'signal' | 'version'>;

export function tailOptionsOf(config: Config, file: string | null, deps: HookDeps): ConfigTailOptions {
  const why = notRunnableYet(config, file);
  if (why !== null) throw new UsageError(why);
  const q = config.maxQueue;
  return {
    paths: config.source.logDirs,
    stateDir: config.stateDir,
    maxLineBytes: config.source.maxLineBytes,
    hooks: hooksOf(config, deps),
    ...(q.records !== undefined ? { maxQueueRecords: q.records } : { maxQueueBytes: q.bytes }),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    summaryIntervalMs: config.summaryIntervalMs,
    startAt: config.startAt,
    ...(config.source.pattern !== undefined ? { pattern: globToRegExp(config.source.pattern) } : {}),
    ...(config.source.pollMs !== undefined ? { pollMs: config.source.pollMs } : {}),
    ...(config.metrics.listen
      ? { metrics: { listen: config.metrics.listen, setting: file ? `[metrics] listen of ${file} (or --metrics-listen)` : '--metrics-listen', readyMaxDownMs: config.metrics.readyMaxDownMs } }
      : {}),
  };
}

/** Why this build's tail cannot run a valid config yet, or null when it can. */
export function notRunnableYet(config: Config, file: string | null): string | null {
  const from = file ?? 'the command line';
  for (const hook of config.hooks) {
    const notYet = unsupported(hook);
    if (notYet.length > 0) {
      return `${from}: hook '${hook.name}': ${notYet.join(', ')} ${notYet.length > 1 ? 'are' : 'is'} validated but not implemented yet by tail; leave ${notYet.length > 1 ? 'them' : 'it'} out for now`;
    }
  }
  return null;
}

/** The file keys set to something this build's runtime does not do (none now, of any kind). */
function unsupported(_h: HookConfig): string[] {
  return [];
}
