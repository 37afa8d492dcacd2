// Dropping whole queues: every queued row and every dead letter of a hook that is no longer
// configured (`loghook dead purge --hook NAME --all`, issue 6). Rows go through
// RowTable.remove, so each file-backed row notes its delta in the FileLedger exactly as a
// delivery would, and the counters move by one StatsDelta, all in one transaction. Only the state
// dir's lock holder may run it: the body files it may empty are the lock holder's to unlink, and a
// tail would otherwise hold those rows in its memory window.
import type { FileLedger } from './file-ledger.js';
import type { RowTable } from './row-table.js';
import type { Db, Statement } from './sqlite.js';
import { StatsDelta, type StatsTable } from './stats.js';

/** What a purge dropped. */
export interface PurgedQueues {
  /** queued rows and the records they held */
  rows: number;
  records: number;
  deadLetters: number;
}

/** Rows deleted per statement round: a removed hook may have millions queued. */
const PAGE = 1000;

export class QueuePurge {
  private readonly pageStmt: Statement;
  private readonly deadCountStmt: Statement;
  private readonly deadDeleteStmt: Statement;
  private readonly dropQueueStmt: Statement;

  constructor(
    private readonly db: Db,
    private readonly rows: RowTable,
    private readonly ledger: FileLedger,
    private readonly stats: StatsTable,
  ) {
    this.pageStmt = db.prepare(`SELECT id FROM messages WHERE queue_id = ? ORDER BY id LIMIT ${PAGE}`).pluck();
    this.deadCountStmt = db.prepare('SELECT count(*) FROM dead_letters WHERE queue_id = ?').pluck();
    this.deadDeleteStmt = db.prepare('DELETE FROM dead_letters WHERE queue_id = ?');
    // Queue 1 stays: it is the `default` hook's by definition (schema.ts), and status hides it empty.
    this.dropQueueStmt = db.prepare('DELETE FROM queues WHERE id = ? AND id <> 1 AND rows = 0 AND dead = 0');
  }

  /**
   * Deletes every row and dead letter of the queues, then the queues themselves (their ids are
   * never given out again), in one transaction. Returns what went and the body files it emptied
   * (except `keep`, the file being appended to): unlink those once it committed.
   */
  purge(queueIds: readonly number[], keep: number | null): PurgedQueues & { emptied: number[] } {
    const tx = this.db.transaction(() => {
      const delta = new StatsDelta();
      let rows = 0;
      let records = 0;
      let deadLetters = 0;
      for (const q of queueIds) {
        for (let page = this.pageStmt.all(q) as number[]; page.length > 0; page = this.pageStmt.all(q) as number[]) {
          for (const id of page) {
            const r = this.rows.remove(id)!;
            delta.row(r.queueId, -1, r.count, r.bytes);
            rows++;
            records += r.count;
          }
        }
        const dead = this.deadCountStmt.get(q) as number;
        if (dead > 0) {
          this.deadDeleteStmt.run(q);
          delta.buried(q, -dead);
          deadLetters += dead;
        }
      }
      if (!delta.isZero()) this.stats.add(delta);
      const emptied = this.ledger.apply(keep);
      for (const q of queueIds) this.dropQueueStmt.run(q);
      return { rows, records, deadLetters, emptied };
    });
    try {
      return tx.immediate();
    } catch (err) {
      this.ledger.discard();
      throw err;
    }
  }
}
