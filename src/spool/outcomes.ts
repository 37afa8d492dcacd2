// Delivery outcomes (ack, settle) wait in memory and are written by the next commit or flush: at
// thousands of requests/s an fsync per outcome would cost more than the delivery itself. A row
// stays claimed until its outcome is on disk; a crash before that resends it (at-least-once).
import type { DeadLetterTable } from './dead-letters.js';
import { subSpan, type FileSpan, type RowTable, type RowKey } from './row-table.js';
import type { StatsDelta } from './stats.js';
import { recordBytes, recordStart, type QueuedRow, type RecordResult } from './types.js';

interface Settlement {
  msg: QueuedRow;
  results: readonly RecordResult[];
  now: number;
}

/** What a written batch of outcomes changed, for the claim bookkeeping once it committed. */
export interface AppliedOutcomes {
  /** rows whose outcome is now on disk */
  released: QueueKey[];
  /** rows the outcomes made claimable (records to retry), at these keys */
  claimable: QueueKey[];
}

/** A row's key in its queue. */
export interface QueueKey extends RowKey {
  queueId: number;
}

export class Outcomes {
  private acks: QueueKey[] = [];
  private settlements: Settlement[] = [];

  constructor(
    private readonly rows: RowTable,
    private readonly dead: DeadLetterTable,
  ) {}

  ack(queueId: number, rowIds: number[]): void {
    for (const id of rowIds) this.acks.push({ queueId, id, dueAt: 0 });
  }

  settle(msg: QueuedRow, results: readonly RecordResult[], now: number): void {
    const n = msg.lines.length;
    if (results.length !== n) throw new RangeError(`settle of row ${msg.rowId}: ${results.length} results for ${n} records`);
    this.settlements.push({ msg, results, now });
  }

  hasPending(): boolean {
    return this.acks.length > 0 || this.settlements.length > 0;
  }

  /** Writes every buffered outcome; call inside a transaction, then `settled()` once it committed. */
  apply(delta: StatsDelta): AppliedOutcomes {
    const released: QueueKey[] = [];
    const claimable: QueueKey[] = [];
    for (const key of this.acks) {
      const gone = this.rows.remove(key.id);
      if (gone !== undefined) {
        delta.row(gone.queueId, -1, gone.count, gone.bytes);
        delta.total(gone.queueId).delivered += gone.count;
      }
      released.push(key);
    }
    for (const s of this.settlements) {
      released.push({ queueId: s.msg.queueId, id: s.msg.rowId, dueAt: s.msg.dueAt });
      this.settleRow(s, delta, claimable);
    }
    return { released, claimable };
  }

  /** Forgets the outcomes written (the transaction committed). */
  committed(): void {
    this.acks = [];
    this.settlements = [];
  }

  /**
   * Removes the row; delivered records just go, dead ones become dead letters, and each record to
   * retry becomes a row of its own (one poison record cannot hold its neighbours back) due at its
   * own time, with attempts + 1 and created_at kept (max age still counts from when it was first
   * queued). Its bytes stay where they are: a record in a body file points at its own span there
   * (compaction.ts moves it out of a file that is mostly dead bytes, so a record retried for days
   * never pins a whole body file), an inline one is copied inline. A lone record to retry is
   * updated in place instead of deleted and inserted again.
   */
  private settleRow({ msg, results, now }: Settlement, delta: StatsDelta, claimable: QueueKey[]): void {
    const only = results[0]!;
    const total = delta.total(msg.queueId);
    if (results.length === 1 && only.kind === 'retry') {
      if (this.rows.reschedule(msg.rowId, only.dueAt, only.disposition)) {
        claimable.push({ queueId: msg.queueId, dueAt: only.dueAt, id: msg.rowId });
        total.retried++;
      }
      return;
    }
    const gone = this.rows.removeWithLayout(msg.rowId);
    if (gone === undefined) return;
    delta.row(gone.queueId, -1, gone.count, gone.bytes);
    const keep = (from: number, to: number, as: KeptAs) => this.keep(msg, gone.span, from, to, as, delta, claimable);
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      if (r.kind === 'delivered') total.delivered++;
      else if (r.kind === 'retry') {
        total.retried++;
        keep(i, i + 1, { dueAt: r.dueAt, attempts: msg.attempts + 1, disposition: r.disposition });
      } else if (r.kind === 'dead') {
        if (r.reason === 'expired') total.expired++;
        else total.dead++;
        this.dead.bury(msg, i, r.disposition, r.reason, now, delta);
      } else if (r.kind === 'unsent') {
        // a run of records not tried stays together, as it was
        let j = i + 1;
        while (j < results.length && results[j]!.kind === 'unsent') j++;
        keep(i, j, { dueAt: msg.dueAt, attempts: msg.attempts, disposition: msg.disposition });
        i = j - 1;
      }
    }
  }

  /**
   * Records [from, to) of `msg` as a row of their own: at their span in the body file the row was
   * in (`span`, as the removed row had it stored), or inline, back to back, for an inline row.
   */
  private keep(msg: QueuedRow, span: FileSpan | null, from: number, to: number, as: KeptAs, delta: StatsDelta, claimable: QueueKey[]): void {
    const meta = {
      queueId: msg.queueId,
      stream: msg.stream,
      segment: msg.segment,
      segmentKey: msg.segmentKey,
      lines: msg.lines.subarray(from, to),
      createdAt: msg.createdAt,
      ...as,
    };
    let id: number;
    let bytes: number;
    if (span !== null) {
      const part = subSpan(span, from, to);
      id = this.rows.insertSpan(meta, part);
      bytes = part.bytes;
    } else {
      const { body, ends } = backToBack(msg, from, to);
      id = this.rows.insert({ ...meta, ends, starts: null, body });
      bytes = body.length;
    }
    delta.row(msg.queueId, 1, to - from, bytes);
    claimable.push({ queueId: msg.queueId, dueAt: as.dueAt, id });
  }
}

type KeptAs = { dueAt: number; attempts: number; disposition: string | null };

/** Records [from, to) of a row as one body with its ends: a view when they already lie back to back. */
function backToBack(msg: QueuedRow, from: number, to: number): { body: Buffer; ends: Uint32Array } {
  if (msg.starts === null) {
    const start = recordStart(msg, from);
    return { body: msg.body.subarray(start, msg.ends[to - 1]!), ends: Uint32Array.from(msg.ends.subarray(from, to), (e) => e - start) };
  }
  const parts: Buffer[] = [];
  const ends = new Uint32Array(to - from);
  let pos = 0;
  for (let i = from; i < to; i++) {
    const r = recordBytes(msg, i);
    parts.push(r);
    ends[i - from] = pos += r.length;
  }
  return { body: Buffer.concat(parts, pos), ends };
}
