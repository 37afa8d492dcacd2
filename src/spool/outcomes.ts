// Delivery outcomes (ack, retry, split, bury) wait in memory and are written by the next commit
// or flush: at ~1,500 requests/s an fsync per outcome would cost more than the delivery itself. A
// row stays claimed until its outcome is on disk; a crash before that resends it (at-least-once).
import type { DeadLetterTable } from './dead-letters.js';
import type { MessageTable, RowKey } from './message-table.js';
import type { StatsDelta } from './stats.js';
import type { QueuedMessage } from './types.js';

interface Retry {
  msg: QueuedMessage;
  dueAts: number[];
  disposition: string;
}

interface Split {
  msg: QueuedMessage;
  cuts: number[];
}

interface Burial {
  msg: QueuedMessage;
  disposition: string | null;
  reason: 'final' | 'expired';
  now: number;
}

/** What a written batch of outcomes changed, for the claim bookkeeping once it committed. */
export interface AppliedOutcomes {
  /** rows whose outcome is now on disk */
  released: number[];
  /** rows the outcomes made claimable (retried in place, scattered, split), at these keys */
  claimable: RowKey[];
}

export class Outcomes {
  private acks: number[] = [];
  private retries: Retry[] = [];
  private splits: Split[] = [];
  private burials: Burial[] = [];

  constructor(
    private readonly messages: MessageTable,
    private readonly dead: DeadLetterTable,
  ) {}

  ack(rowIds: number[]): void {
    for (const id of rowIds) this.acks.push(id);
  }

  retry(msg: QueuedMessage, dueAts: number[], disposition: string): void {
    const n = msg.lines.length;
    if (dueAts.length !== n) {
      throw new RangeError(`retry of row ${msg.rowId}: ${dueAts.length} due times for ${n} records`);
    }
    this.retries.push({ msg, dueAts, disposition });
  }

  split(msg: QueuedMessage, cuts: number[]): void {
    const n = msg.lines.length;
    if (cuts.some((c, i) => !Number.isInteger(c) || c < 1 || c >= n || (i > 0 && c <= cuts[i - 1]!))) {
      throw new RangeError(`split of row ${msg.rowId} (${n} records): cuts ${cuts.join(',')} are not ascending in 1..${n - 1}`);
    }
    this.splits.push({ msg, cuts });
  }

  bury(msg: QueuedMessage, disposition: string | null, reason: 'final' | 'expired', now: number): void {
    this.burials.push({ msg, disposition, reason, now });
  }

  hasPending(): boolean {
    return this.acks.length > 0 || this.retries.length > 0 || this.splits.length > 0 || this.burials.length > 0;
  }

  /** Writes every buffered outcome; call inside a transaction, then `settle()` once it committed. */
  apply(delta: StatsDelta): AppliedOutcomes {
    const released: number[] = [];
    const claimable: RowKey[] = [];
    for (const id of this.acks) {
      const gone = this.messages.remove(id);
      if (gone !== undefined) subtract(delta, gone);
      released.push(id);
    }
    for (const r of this.retries) {
      released.push(r.msg.rowId);
      if (r.msg.lines.length === 1) {
        if (this.messages.reschedule(r.msg.rowId, r.dueAts[0]!, r.disposition, r.msg.body)) {
          claimable.push({ dueAt: r.dueAts[0]!, id: r.msg.rowId });
        }
      } else {
        const bounds = Array.from({ length: r.msg.lines.length + 1 }, (_, i) => i);
        claimable.push(...this.replace(r.msg, bounds, r.dueAts, r.msg.attempts + 1, r.disposition, delta, true));
      }
    }
    for (const { msg, cuts } of this.splits) {
      released.push(msg.rowId);
      const bounds = [0, ...cuts, msg.lines.length];
      const dueAts = bounds.slice(1).map(() => msg.dueAt);
      claimable.push(...this.replace(msg, bounds, dueAts, msg.attempts, msg.disposition, delta, false));
    }
    for (const b of this.burials) {
      released.push(b.msg.rowId);
      const gone = this.messages.remove(b.msg.rowId);
      if (gone === undefined) continue;
      subtract(delta, gone);
      this.dead.bury(b.msg, b.disposition, b.reason, b.now, delta);
    }
    return { released, claimable };
  }

  settle(): void {
    this.acks = [];
    this.retries = [];
    this.splits = [];
    this.burials = [];
  }

  /**
   * Replaces a row by rows of consecutive records: piece i holds records bounds[i]..bounds[i+1]-1
   * and is due at dueAts[i]. A retried row becomes one row per record (one poison record cannot
   * hold its neighbours back); a split cuts a row too large for one request. created_at is kept:
   * max age still counts from when the records were first queued.
   * With `inline` (a retry) the pieces carry their bytes in SQLite, so that records which may be
   * retried for days never hold a body file; a split's pieces, due now like the row they replace,
   * point into the same body file (no copy).
   */
  private replace(
    msg: QueuedMessage,
    bounds: number[],
    dueAts: number[],
    attempts: number,
    disposition: string | null,
    delta: StatsDelta,
    inline: boolean,
  ): RowKey[] {
    const gone = this.messages.remove(msg.rowId);
    if (gone === undefined) return [];
    const keys: RowKey[] = [];
    for (let p = 0; p + 1 < bounds.length; p++) {
      const first = bounds[p]!;
      const last = bounds[p + 1]!;
      const start = first === 0 ? 0 : msg.ends[first - 1]!;
      const ends = msg.ends.slice(first, last).map((e) => e - start);
      const at = inline || gone.fileId === null ? null : { fileId: gone.fileId, offset: gone.fileOffset! + start };
      const id = this.messages.insert({
        stream: msg.stream,
        segment: msg.segment,
        segmentKey: msg.segmentKey,
        lines: msg.lines.subarray(first, last),
        ends,
        body: msg.body.subarray(start, msg.ends[last - 1]!),
        createdAt: msg.createdAt,
        dueAt: dueAts[p]!,
        attempts,
        disposition,
      }, at);
      keys.push({ dueAt: dueAts[p]!, id });
    }
    delta.rows += keys.length - 1;
    return keys;
  }
}

function subtract(delta: StatsDelta, gone: { count: number; bytes: number }): void {
  delta.rows -= 1;
  delta.records -= gone.count;
  delta.bytes -= gone.bytes;
}
