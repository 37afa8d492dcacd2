// Decides the next request from the claimed records not in a request yet. Pure.
//
// - A batch is a run of records in the order the rows were taken (oldest due first), each row
//   from its first record not yet sent: up to --batch-size records and a body of at most
//   --max-batch-bytes. It takes a row whole or in part; the rest of a row starts the next batch,
//   which goes on into the following rows. Rows are storage units (up to 100 records even at
//   --batch-size 1), so one row may be in several requests, and one request may span rows.
// - A single record larger than --max-batch-bytes goes alone (the caller warns once). Nothing else
//   ever produces a body larger than --max-batch-bytes.
// - --min-batch-size / --max-batch-latency (KumoMTA's min_batch_size / max_batch_latency): while
//   fewer than min-batch-size records are due, wait, but no longer than max-batch-latency after
//   the oldest of them became due. `flush` (no more records are coming, e.g. --once at the end of
//   the input, or shutting down) sends what there is at once.
import type { QueuedRow } from '../spool/types.js';
import { bodySize, type BatchFormat, type RowSlice } from './batch-body.js';
import { spanBytes } from '../spool/types.js';
import { EventIdListMeter } from '../hook/event-id-list.js';

export interface BatchLimits {
  batchSize: number;
  maxBatchBytes: number;
  minBatchSize: number;
  maxBatchLatencyMs: number;
  format: BatchFormat;
  /** the sink's budget for the compact list of a request's event ids (HTTP: its header); undefined: none */
  maxIdListBytes?: number;
}

/** A claimed row with records not in a request yet: records `next`.. of `msg`. */
export interface PendingRow {
  readonly msg: QueuedRow;
  readonly next: number;
}

/** Records [from, to) of `row.msg` (`msg` is `row.msg`, for building the body). */
export interface BatchSlice<R extends PendingRow> extends RowSlice {
  row: R;
  msg: QueuedRow;
}

export type BatchPlan<R extends PendingRow> =
  | {
      kind: 'send';
      /** in body order; every slice but the last ends its row */
      slices: BatchSlice<R>[];
      records: number;
      bodyBytes: number;
      /** one record larger than maxBatchBytes, sent alone */
      oversized: boolean;
    }
  | { kind: 'wait'; until: number }
  | { kind: 'idle' };

export function planBatch<R extends PendingRow>(pending: readonly R[], limits: BatchLimits, now: number, flush = false): BatchPlan<R> {
  if (pending.length === 0) return { kind: 'idle' };
  const { batchSize, maxBatchBytes, format } = limits;
  const head = pending[0]!;
  const headBytes = spanBytes(head.msg, head.next, head.next + 1);
  if (bodySize(1, headBytes, format) > maxBatchBytes) {
    const slice = { row: head, msg: head.msg, from: head.next, to: head.next + 1 };
    return { kind: 'send', slices: [slice], records: 1, bodyBytes: headBytes, oversized: true };
  }

  if (!flush && limits.minBatchSize > 1) {
    let due = 0;
    let dueBytes = 0;
    let oldest = Infinity;
    for (const r of pending) {
      const n = r.msg.ends.length;
      due += n - r.next;
      dueBytes += spanBytes(r.msg, r.next, n);
      if (r.msg.dueAt < oldest) oldest = r.msg.dueAt;
    }
    const until = oldest + limits.maxBatchLatencyMs;
    // A request already full by bytes goes now: waiting could not make it bigger.
    const fullByBytes = bodySize(due, dueBytes, format) > maxBatchBytes;
    if (due < limits.minBatchSize && now < until && !fullByBytes) return { kind: 'wait', until };
  }

  const slices: BatchSlice<R>[] = [];
  let records = 0;
  let bytes = 0;
  const idBudget = limits.maxIdListBytes;
  const ids = idBudget === undefined ? null : new EventIdListMeter();
  for (const row of pending) {
    const { msg } = row;
    const n = msg.ends.length;
    const from = row.next;
    let to = n;
    let taken = spanBytes(msg, from, n);
    // The rest of the row at once when it fits, else as many records as fit (record by record
    // when the ids have a budget: a scattered row's list grows by every id).
    if (ids !== null || records + (n - from) > batchSize || bodySize(records + n - from, bytes + taken, format) > maxBatchBytes) {
      to = from;
      taken = 0;
      for (; to < n && records + (to - from) < batchSize; to++) {
        const next = taken + spanBytes(msg, to, to + 1);
        if (bodySize(records + (to - from) + 1, bytes + next, format) > maxBatchBytes) break;
        // a single id always fits: a batch is never empty
        if (ids !== null && records + (to - from) > 0 && ids.bytesWith(msg.segmentKey, msg.lines[to]!) > idBudget!) break;
        ids?.add(msg.segmentKey, msg.lines[to]!);
        taken = next;
      }
    }
    if (to > from) {
      slices.push({ row, msg, from, to });
      records += to - from;
      bytes += taken;
    }
    if (to < n || records >= batchSize) break;
  }
  return { kind: 'send', slices, records, bodyBytes: bodySize(records, bytes, format), oversized: false };
}
