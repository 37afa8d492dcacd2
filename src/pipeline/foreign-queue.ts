// At start: does the state dir hold queued records this configuration did not make? A state dir
// reused with another log dir or URL sent the old queue to the new URL without a word (issue 10
// §3). They are still delivered (a queue is never dropped silently either), but the operator
// hears how many, from where, and where they now go, while stopping is still cheap.
import type { Target } from '../source/discovery.js';
import { isStreamOf } from '../source/types.js';
import type { Spool } from '../spool/spool.js';
import type { RuntimeInfo } from './runtime-file.js';

export interface ForeignNote {
  msg: string;
  fields: Record<string, unknown>;
}

export interface ConfiguredHook {
  name: string;
  /** where it posts, secrets masked (HookRuntime.describe) */
  describe: string;
}

/**
 * Warnings for queued records read from log streams no target of this run covers, and for
 * configured hooks whose destination differs from the last run's (runtime.json, read before
 * this run writes it). Removed hooks are tail.ts's own warning.
 */
export function foreignQueueNotes(spool: Spool, targets: readonly Target[], hooks: readonly ConfiguredHook[], previous: RuntimeInfo | null): ForeignNote[] {
  const notes: ForeignNote[] = [];
  const queues = spool.queues();
  const current = new Map(hooks.map((h) => [h.name, h]));
  const whereTo = (queueId: number): string => {
    const q = queues.find((x) => x.id === queueId);
    const h = q && current.get(q.hook);
    if (!q || !h) return `stay queued (hook '${q?.hook}' is not in the configuration: loghook dead purge --hook ${q?.hook} --all, or add it back)`;
    return `go by hook '${h.name}' to ${h.describe}${q.endpoint ? ` (endpoint ${q.endpoint})` : ''}`;
  };

  const covered = (stream: string) => targets.some((t) => (t.kind === 'file' ? stream === t.path : isStreamOf(stream, t.path)));
  if (spool.checkpointsDetail().some((c) => !covered(c.stream))) {
    const fromStreams = new Map<string, number>();
    const goTo = new Map<string, number>();
    let records = 0;
    for (const s of spool.queuedByStream()) {
      if (covered(s.stream) || s.records === 0) continue;
      records += s.records;
      fromStreams.set(s.stream, (fromStreams.get(s.stream) ?? 0) + s.records);
      const to = whereTo(s.queueId);
      goTo.set(to, (goTo.get(to) ?? 0) + s.records);
    }
    if (records > 0) {
      notes.push({
        msg:
          `this state dir holds ${records} queued records read from log dirs this run does not read ` +
          `(${list(fromStreams)}): ${list(goTo, ' ')}. ` +
          'To not send them, stop now and give this configuration a state dir of its own (--state-dir)',
        fields: { records, streams: Object.fromEntries(fromStreams), destinations: Object.fromEntries(goTo) },
      });
    }
  }

  for (const was of previous?.hooks ?? []) {
    const now = current.get(was.name);
    if (!now || now.describe === was.describe) continue;
    const records = queues.filter((q) => q.hook === was.name).reduce((n, q) => n + q.records, 0);
    if (records === 0) continue;
    notes.push({
      msg:
        `hook '${was.name}' has ${records} queued records from a run that sent to ${was.describe}; ` +
        `they now go to ${now.describe}. To not send them there, stop now and give this configuration a state dir of its own (--state-dir)`,
      fields: { hook: was.name, records, was: was.describe, now: now.describe },
    });
  }
  return notes;
}

/** "a: 1, b: 2", or with `sep` ' ' "1 a, 2 b" */
function list(m: Map<string, number>, sep = ': '): string {
  return [...m].map(([k, n]) => (sep === ': ' ? `${k}: ${n}` : `${n} ${k}`)).join(', ');
}
