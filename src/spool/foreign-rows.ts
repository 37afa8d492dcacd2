// Notices what other connections committed: `loghook dead requeue` run in another process adds
// message rows (and moves the counters) while a tail runs. PRAGMA data_version changes when
// another connection commits and costs a read of shared memory, not of the file, so it is checked
// at most every 50 ms by reads (spool.ts pollForeign) and at the start of every write transaction.
import type { RowTable, RowKey } from './row-table.js';
import type { Db, Statement } from './sqlite.js';

export class ForeignRows {
  private readonly dataVersionStmt: Statement;
  private dataVersion: number;
  /** Highest row id this process knows of; ids only grow (AUTOINCREMENT), so higher ones are new. */
  private knownMaxId: number;

  constructor(
    db: Db,
    private readonly rows: RowTable,
    /** told where claimable rows appeared, per queue; null for a read-only spool, which only
     * needs to know that something changed */
    private readonly appeared: ((queueId: number, key: RowKey) => void) | null,
  ) {
    this.dataVersionStmt = db.prepare('PRAGMA data_version').pluck();
    // data_version before the max id: a commit landing in between is then seen as foreign, never missed.
    this.dataVersion = this.dataVersionStmt.get() as number;
    this.knownMaxId = rows.maxId();
  }

  /** True if another connection committed since the last poll; its new rows are claimable now. */
  poll(): boolean {
    const version = this.dataVersionStmt.get() as number;
    if (version === this.dataVersion) return false;
    this.dataVersion = version;
    this.absorb();
    return true;
  }

  /** Rows this connection inserted: not foreign. */
  own(id: number): void {
    if (id > this.knownMaxId) this.knownMaxId = id;
  }

  /**
   * Makes every row above the known max id claimable, with one lower bound for all of them (a
   * range scan over the new ids only). Also for rows our own connection added outside a commit
   * (an in-process requeue), which data_version does not report.
   */
  absorb(): void {
    if (this.appeared === null) return;
    let max = this.knownMaxId;
    for (const q of this.rows.since(this.knownMaxId)) {
      this.appeared(q.queueId, { dueAt: q.minDue, id: q.minId });
      if (q.maxId > max) max = q.maxId;
    }
    this.knownMaxId = max;
  }
}
