// `loghook replay`: a window of history delivered again, through the tail pipeline itself
// (runTail with a window, --once) into a state dir of its own (state.ts), so it resumes after a
// crash, never touches the live checkpoints or queues, and may run while `tail` runs.
import { rmSync } from 'node:fs';
import { runTail, type TailOptions, type TailResult } from '../pipeline/tail.js';
import { unreadSummary } from '../source/unreadable.js';
import { ExitCode } from '../util/errors.js';
import { dryRun, type DryRunResult } from './dry-run.js';
import { openReplayState } from './state.js';
import type { Window } from './window.js';
import type { HookRuntime } from '../pipeline/hooks.js';

export interface ReplayOptions extends Omit<TailOptions, 'once' | 'hooks' | 'startAt' | 'window' | 'stateDir'> {
  hook: HookRuntime;
  window: Window;
  /** the replay's own state dir; `removeWhenDone` for the default one */
  stateDir: string;
  removeWhenDone: boolean;
  /** the live state dir (refused as the replay's) */
  liveStateDir: string;
  /** names this replay (state.ts replayId) */
  id: string;
  dryRun: boolean;
}

export type ReplayResult = { kind: 'sent'; tail: TailResult } | { kind: 'dry-run'; counts: DryRunResult; exitCode: number };

const iso = (s: number | undefined) => (s === undefined ? undefined : new Date(s * 1000).toISOString());

export async function runReplay(o: ReplayOptions): Promise<ReplayResult> {
  const log = o.logger;
  const span = `${iso(o.window.sinceS) ?? 'the oldest record'} to ${iso(o.window.untilS) ?? 'the newest'}`;
  if (o.dryRun) {
    const counts = await dryRun({ paths: o.paths, maxLineBytes: o.maxLineBytes, hook: o.hook, window: o.window, logger: log, signal: o.signal, ...(o.pattern ? { pattern: o.pattern } : {}) });
    if (counts.unreadable.length > 0) log.error(unreadSummary(counts.unreadable, 'the counts leave them out'));
    log.info(`dry run: would send ${counts.records} records from ${span} to ${o.hook.describe}; nothing was sent`, { records: counts.records, byType: counts.byType, outsideWindow: counts.window.outside });
    return { kind: 'dry-run', counts, exitCode: counts.unreadable.length > 0 ? ExitCode.input : ExitCode.ok };
  }
  const state = openReplayState(o.stateDir, o.liveStateDir, o.id, `${o.hook.describe}, ${span}`, o.window);
  const window = state.window;
  log.info(`replay ${state.resumed ? 'resumed' : 'started'}: records from ${iso(window.sinceS) ?? 'the oldest'} (inclusive) to ${iso(window.untilS) ?? 'the newest'} (exclusive)`, { stateDir: o.stateDir });
  const { hook, id: _id, dryRun: _dry, removeWhenDone: _rm, liveStateDir: _live, ...tail } = o;
  const r = await runTail({ ...tail, once: true, hooks: [hook], window, stateDir: o.stateDir });
  if (o.removeWhenDone && r.exitCode === ExitCode.ok) rmSync(o.stateDir, { recursive: true, force: true });
  return { kind: 'sent', tail: r };
}
