// What the broker tests share to run records through the real delivery engine: rows committed
// into a real spool as the pipeline commits them, and the real Dispatcher driving a sink until
// every record has its outcome.
import { setTimeout as sleep } from 'node:timers/promises';
import { Spool } from '../../src/spool/spool.js';
import { Dispatcher, type DispatcherOptions } from '../../src/deliver/dispatcher.js';
import type { Sink } from '../../src/deliver/sink.js';
import type { ChunkInput, DeadLetter } from '../../src/spool/types.js';
import { makeTempDir } from './tmp.js';
import { waitFor } from './child.js';
import type { LogLine } from '../deliver/harness.js';

/** Lines [first, first + lines.length) of one segment as one spool row. */
export function chunkOf(lines: readonly string[], first: number, segmentKey: string): ChunkInput {
  const ends: number[] = [];
  let end = 0;
  for (const l of lines) ends.push((end += Buffer.byteLength(l)));
  return { stream: 's1', segment: 'seg-1', segmentKey, lines: lines.map((_, j) => first + j), ends, body: Buffer.from(lines.join('')) };
}

/** Commits `lines` into `spool`, `perRow` records a row. */
export function commitLines(spool: Spool, lines: readonly string[], segmentKey: string, perRow = 20): void {
  for (let i = 0; i < lines.length; i += perRow) spool.commit([chunkOf(lines.slice(i, i + perRow), i, segmentKey)]);
}

export interface RunResult {
  delivered: number;
  /** records that got a retry on the way */
  retried: number;
  dead: DeadLetter[];
}

/**
 * Queues `lines` in a fresh spool and lets a Dispatcher deliver them through `sink` until every
 * record is delivered or dead. `during` runs while it delivers (a broker kill, say).
 */
export async function deliverAll(sink: Sink, lines: readonly string[], o: Partial<DispatcherOptions> & { segmentKey?: string; perRow?: number; timeoutMs?: number; during?: (d: Dispatcher) => Promise<void>; logs?: readonly LogLine[] } = {}): Promise<RunResult> {
  const state = makeTempDir('loghook-broker-run-');
  const spool = Spool.open({ stateDir: state.path });
  const { segmentKey = 'feedfacefeedface', perRow = 20, timeoutMs = 60_000, during, logs = [], ...dispatch } = o;
  const d = new Dispatcher({ sink, queue: spool, concurrency: 8, retryIntervalMs: 300, maxRetryIntervalMs: 1000, breaker: { initialIntervalMs: 200, maxIntervalMs: 1000 }, ...dispatch });
  const flusher = setInterval(() => spool.flush(), 50);
  try {
    commitLines(spool, lines, segmentKey, perRow);
    const loop = d.start();
    if (during) await during(d);
    try {
      let failed: unknown = null;
      loop.catch((err: unknown) => (failed = err));
      await waitFor(() => {
        if (failed !== null) throw failed; // the dispatcher's loop died: say why, at once
        return d.stats().delivered + d.stats().dead >= lines.length;
      }, { timeoutMs, intervalMs: 50, what: `all ${lines.length} records delivered or dead` });
    } catch (err) {
      // say where delivery stood, so a failure on a loaded machine explains itself
      throw new Error(`${(err as Error).message}; dispatcher: ${JSON.stringify(d.stats())}; queue next due in ${dueIn(spool)} ms; last log lines: ${JSON.stringify(logs.slice(-15))}`);
    }
    await d.stop();
    await loop;
    await sleep(10);
    spool.flush();
    return { delivered: d.stats().delivered, retried: d.stats().retried, dead: spool.listDead({ all: true }) };
  } finally {
    clearInterval(flusher);
    await sink.close();
    spool.close();
    state.cleanup();
  }
}

function dueIn(spool: Spool): number | null {
  const next = spool.nextDueAt();
  return next === null ? null : next - Date.now();
}
