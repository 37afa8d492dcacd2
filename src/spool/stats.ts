// Queue counters kept in one row and moved by deltas inside the transaction that changes the
// rows, so they are always exact and reading them costs a point lookup, however large the queue.
import type { Db, Statement } from './sqlite.js';
import type { QueueCounts } from './types.js';

export interface Stats extends QueueCounts {
  /** dead letters */
  dead: number;
}

export class StatsDelta implements Stats {
  rows = 0;
  records = 0;
  bytes = 0;
  dead = 0;

  isZero(): boolean {
    return this.rows === 0 && this.records === 0 && this.bytes === 0 && this.dead === 0;
  }
}

export class StatsTable {
  private readonly addStmt: Statement;
  private readonly readStmt: Statement;

  constructor(db: Db) {
    this.addStmt = db.prepare(
      `UPDATE stats SET rows = rows + ?, records = records + ?, bytes = bytes + ?, dead = dead + ?
       WHERE id = 1 RETURNING rows, records, bytes, dead`,
    );
    this.readStmt = db.prepare('SELECT rows, records, bytes, dead FROM stats WHERE id = 1');
  }

  /** Applies a delta (inside the caller's transaction) and returns the counters after it. */
  add(d: StatsDelta): Stats {
    return this.addStmt.get(d.rows, d.records, d.bytes, d.dead) as Stats;
  }

  read(): Stats {
    return this.readStmt.get() as Stats;
  }
}
