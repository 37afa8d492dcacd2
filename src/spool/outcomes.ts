// Delivery outcomes (ack, settle) wait in memory and are written by the next commit or flush: at
// thousands of requests/s an fsync per outcome would cost more than the delivery itself. A row
// stays claimed until its outcome is on disk; a crash before that resends it (at-least-once).
import type { DeadLetterTable } from './dead-letters.js';
import type { MessageTable, RowKey } from './message-table.js';
import type { StatsDelta } from './stats.js';
import type { QueuedMessage, RecordResult } from './types.js';

interface Settlement {
  msg: QueuedMessage;
  results: readonly RecordResult[];
  now: number;
}

/** What a written batch of outcomes changed, for the claim bookkeeping once it committed. */
export interface AppliedOutcomes {
  /** rows whose outcome is now on disk */
  released: number[];
  /** rows the outcomes made claimable (records to retry), at these keys */
  claimable: RowKey[];
}

export class Outcomes {
  private acks: number[] = [];
  private settlements: Settlement[] = [];

  constructor(
    private readonly messages: MessageTable,
    private readonly dead: DeadLetterTable,
  ) {}

  ack(rowIds: number[]): void {
    for (const id of rowIds) this.acks.push(id);
  }

  settle(msg: QueuedMessage, results: readonly RecordResult[], now: number): void {
    const n = msg.lines.length;
    if (results.length !== n) throw new RangeError(`settle of row ${msg.rowId}: ${results.length} results for ${n} records`);
    this.settlements.push({ msg, results, now });
  }

  hasPending(): boolean {
    return this.acks.length > 0 || this.settlements.length > 0;
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
    for (const s of this.settlements) {
      released.push(s.msg.rowId);
      this.settleRow(s, delta, claimable);
    }
    return { released, claimable };
  }

  /** Forgets the outcomes written (the transaction committed). */
  settled(): void {
    this.acks = [];
    this.settlements = [];
  }

  /**
   * Removes the row; delivered records just go, dead ones become dead letters, and each record to
   * retry becomes a row of its own (one poison record cannot hold its neighbours back) due at its
   * own time, with attempts + 1 and created_at kept (max age still counts from when it was first
   * queued). Its bytes go inline: a record that may be retried for days never pins a body file.
   * A lone record to retry is updated in place instead of deleted and inserted again.
   */
  private settleRow({ msg, results, now }: Settlement, delta: StatsDelta, claimable: RowKey[]): void {
    const only = results[0]!;
    if (results.length === 1 && only.kind === 'retry') {
      if (this.messages.reschedule(msg.rowId, only.dueAt, only.disposition, msg.body)) {
        claimable.push({ dueAt: only.dueAt, id: msg.rowId });
      }
      return;
    }
    const gone = this.messages.remove(msg.rowId);
    if (gone === undefined) return;
    subtract(delta, gone);
    let start = 0;
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      const end = msg.ends[i]!;
      if (r.kind === 'retry') {
        this.keep(msg, i, i + 1, start, { dueAt: r.dueAt, attempts: msg.attempts + 1, disposition: r.disposition }, delta, claimable);
      } else if (r.kind === 'dead') {
        this.dead.bury(msg, i, r.disposition, r.reason, now, delta);
      } else if (r.kind === 'unsent') {
        // a run of records not tried stays together, as it was
        let j = i + 1;
        while (j < results.length && results[j]!.kind === 'unsent') j++;
        this.keep(msg, i, j, start, { dueAt: msg.dueAt, attempts: msg.attempts, disposition: msg.disposition }, delta, claimable);
        start = msg.ends[j - 1]!;
        i = j - 1;
        continue;
      }
      start = end;
    }
  }

  /** Records [from, to) of `msg` (their bytes start at `start`) as a row of their own, inline. */
  private keep(
    msg: QueuedMessage,
    from: number,
    to: number,
    start: number,
    as: { dueAt: number; attempts: number; disposition: string | null },
    delta: StatsDelta,
    claimable: RowKey[],
  ): void {
    const end = msg.ends[to - 1]!;
    const ends = Uint32Array.from(msg.ends.subarray(from, to), (e) => e - start);
    const id = this.messages.insert({
      stream: msg.stream,
      segment: msg.segment,
      segmentKey: msg.segmentKey,
      lines: msg.lines.subarray(from, to),
      ends,
      body: msg.body.subarray(start, end),
      createdAt: msg.createdAt,
      ...as,
    });
    delta.rows += 1;
    delta.records += to - from;
    delta.bytes += end - start;
    claimable.push({ dueAt: as.dueAt, id });
  }
}

function subtract(delta: StatsDelta, gone: { count: number; bytes: number }): void {
  delta.rows -= 1;
  delta.records -= gone.count;
  delta.bytes -= gone.bytes;
}
