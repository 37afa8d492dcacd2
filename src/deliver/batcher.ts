// Decides the next request from the rows that are due. Pure.
//
// - A batch is made of whole rows, in the order they were taken (oldest due first), first fit:
//   up to --batch-size records and a body of at most --max-batch-bytes. A row that does not fit
//   waits for the next batch; the first row always goes first, so nothing starves.
// - A row that alone exceeds a limit (more records than --batch-size, or a body larger than
//   --max-batch-bytes) is split by the queue into rows that fit (`split`), and those are batched
//   like any other. Splitting happens only then; in steady state the spool already cuts rows at
//   both limits, so one row is one request.
// - A single record larger than --max-batch-bytes cannot be split: it goes alone (the caller
//   warns once). Nothing else ever produces a body larger than --max-batch-bytes.
// - --min-batch-size / --max-batch-latency (KumoMTA's min_batch_size / max_batch_latency): while
//   fewer than min-batch-size records are due, wait, but no longer than max-batch-latency after
//   the oldest of them became due. `flush` (no more records are coming, e.g. --once at the end of
//   the input, or shutting down) sends what there is at once.
import type { QueuedMessage } from '../spool/types.js';
import { bodySize, type BatchFormat } from './batch-body.js';

export interface BatchLimits {
  batchSize: number;
  maxBatchBytes: number;
  minBatchSize: number;
  maxBatchLatencyMs: number;
  format: BatchFormat;
}

export type BatchPlan =
  | {
      kind: 'send';
      rows: QueuedMessage[];
      records: number;
      bodyBytes: number;
      /** one record larger than maxBatchBytes, sent alone */
      oversized: boolean;
    }
  | { kind: 'split'; row: QueuedMessage; cuts: number[] }
  | { kind: 'wait'; until: number }
  | { kind: 'idle' };

export function planBatch(pending: readonly QueuedMessage[], limits: BatchLimits, now: number, flush = false): BatchPlan {
  if (pending.length === 0) return { kind: 'idle' };
  const { batchSize, maxBatchBytes, format } = limits;
  const head = pending[0]!;
  const headCount = head.ends.length;
  if (headCount > batchSize || bodySize(headCount, head.body.length, format) > maxBatchBytes) {
    if (headCount > 1) return { kind: 'split', row: head, cuts: splitPoints(head, limits) };
    return { kind: 'send', rows: [head], records: 1, bodyBytes: head.body.length, oversized: true };
  }

  if (!flush && limits.minBatchSize > 1) {
    let due = 0;
    let dueBytes = 0;
    let oldest = Infinity;
    for (const r of pending) {
      due += r.ends.length;
      dueBytes += r.body.length;
      if (r.dueAt < oldest) oldest = r.dueAt;
    }
    const until = oldest + limits.maxBatchLatencyMs;
    // A request already full by bytes goes now: waiting could not make it bigger.
    const fullByBytes = bodySize(due, dueBytes, format) > maxBatchBytes;
    if (due < limits.minBatchSize && now < until && !fullByBytes) return { kind: 'wait', until };
  }

  const rows: QueuedMessage[] = [];
  let records = 0;
  let bytes = 0;
  for (const row of pending) {
    const n = row.ends.length;
    if (records + n > batchSize || bodySize(records + n, bytes + row.body.length, format) > maxBatchBytes) continue;
    rows.push(row);
    records += n;
    bytes += row.body.length;
    if (records >= batchSize) break;
  }
  return { kind: 'send', rows, records, bodyBytes: bodySize(records, bytes, format), oversized: false };
}

/** Where to cut a row so that every piece fits the limits (a lone oversized record excepted). */
export function splitPoints(row: Pick<QueuedMessage, 'ends'>, limits: Pick<BatchLimits, 'batchSize' | 'maxBatchBytes' | 'format'>): number[] {
  const cuts: number[] = [];
  let count = 0;
  let bytes = 0;
  let prev = 0;
  for (let i = 0; i < row.ends.length; i++) {
    const len = row.ends[i]! - prev;
    prev = row.ends[i]!;
    if (count > 0 && (count + 1 > limits.batchSize || bodySize(count + 1, bytes + len, limits.format) > limits.maxBatchBytes)) {
      cuts.push(i);
      count = 0;
      bytes = 0;
    }
    count++;
    bytes += len;
  }
  return cuts;
}

export function recordCount(rows: readonly Pick<QueuedMessage, 'ends'>[]): number {
  let n = 0;
  for (const r of rows) n += r.ends.length;
  return n;
}
