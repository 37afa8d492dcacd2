// `loghook replay --dry-run`: what the replay would send, counted per record type, with the same
// reading, window and hook selection (types, match, routes) as the real run, and no state dir,
// queue or request at all.
import { resolveTargets } from '../source/discovery.js';
import { Tailer } from '../source/tailer.js';
import type { UnreadableInput } from '../source/unreadable.js';
import { fastType } from '../record/classify.js';
import { RecordView } from '../record/view.js';
import { HookSet } from '../pipeline/hook-select.js';
import type { HookRuntime } from '../pipeline/hooks.js';
import type { Logger } from '../telemetry/logger.js';
import { RecordWindow, type Window, type WindowCounts } from './window.js';

export interface DryRunOptions {
  paths: string[];
  pattern?: RegExp;
  maxLineBytes: number;
  hook: HookRuntime;
  window: Window;
  logger: Logger;
  signal: AbortSignal;
}

export interface DryRunResult {
  /** records that would be sent */
  records: number;
  byType: Record<string, number>;
  window: WindowCounts;
  filtered: number;
  unrouted: number;
  invalid: number;
  unreadable: UnreadableInput[];
}

export async function dryRun(o: DryRunOptions): Promise<DryRunResult> {
  const hookSet = new HookSet([{ ...o.hook.select, name: o.hook.name }], o.logger);
  const window = new RecordWindow(o.window);
  const byType = new Map<string, number>();
  let records = 0;
  const tailer = new Tailer({
    targets: await resolveTargets(o.paths),
    follow: false,
    logger: o.logger,
    recycleBuffers: true,
    maxLineBytes: o.maxLineBytes,
    ...(o.pattern ? { pattern: o.pattern } : {}),
    ...(o.window.sinceS !== undefined ? { sinceMs: o.window.sinceS * 1000 } : {}),
    onBatch: (b) =>
      window.feed(b, (run) => {
        const lines = hookSet.select(run)[0]!.lines;
        records += lines.length;
        for (const i of lines) {
          const s = run.bounds[i]!;
          const e = run.bounds[i + 1]!;
          const type = fastType(run.buf, s, e) ?? new RecordView(run.buf, s, e).type() ?? '(no type)';
          byType.set(type, (byType.get(type) ?? 0) + 1);
        }
      }),
  });
  const stop = () => tailer.stop();
  o.signal.addEventListener('abort', stop, { once: true });
  try {
    await tailer.run();
  } finally {
    o.signal.removeEventListener('abort', stop);
  }
  const c = hookSet.counts[0]!;
  return {
    records,
    byType: Object.fromEntries([...byType].sort((a, b) => b[1] - a[1])),
    window: window.counts,
    filtered: c.filtered,
    unrouted: c.unrouted,
    invalid: hookSet.invalidLines,
    unreadable: tailer.unreadable(),
  };
}
