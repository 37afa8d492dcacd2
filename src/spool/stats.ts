// Queue counters, moved by deltas inside the transaction that changes the rows, so they are
// always exact and reading them costs a point lookup, however large the queue: one `stats` row
// for the state dir's total (max_queue bounds the whole state dir) and one `queues` row per queue.
import type { Db, Statement } from './sqlite.js';
import type { QueueCounts, QueueInfo } from './types.js';

export interface Stats extends QueueCounts {
  /** dead letters */
  dead: number;
}

class Counts implements Stats {
  rows = 0;
  records = 0;
  bytes = 0;
  dead = 0;

  isZero(): boolean {
    return this.rows === 0 && this.records === 0 && this.bytes === 0 && this.dead === 0;
  }
}

/** What one transaction changes: the total and each queue it touched. */
export class StatsDelta extends Counts {
  readonly queues = new Map<number, Counts>();

  /** `sign` 1 adds a row of `records` records and `bytes` bytes to queue `queueId`, -1 removes one. */
  row(queueId: number, sign: 1 | -1, records: number, bytes: number): void {
    const q = this.of(queueId);
    this.rows += sign;
    this.records += sign * records;
    this.bytes += sign * bytes;
    q.rows += sign;
    q.records += sign * records;
    q.bytes += sign * bytes;
  }

  buried(queueId: number, n: number): void {
    this.dead += n;
    this.of(queueId).dead += n;
  }

  private of(queueId: number): Counts {
    let q = this.queues.get(queueId);
    if (q === undefined) this.queues.set(queueId, (q = new Counts()));
    return q;
  }
}

export class StatsTable {
  private readonly addStmt: Statement;
  private readonly readStmt: Statement;
  private readonly addQueueStmt: Statement;
  private readonly ensureStmt: Statement;
  private readonly findStmt: Statement;
  private readonly queuesStmt: Statement;

  constructor(db: Db) {
    this.addStmt = db.prepare(
      `UPDATE stats SET rows = rows + ?, records = records + ?, bytes = bytes + ?, dead = dead + ?
       WHERE id = 1 RETURNING rows, records, bytes, dead`,
    );
    this.readStmt = db.prepare('SELECT rows, records, bytes, dead FROM stats WHERE id = 1');
    this.addQueueStmt = db.prepare(
      'UPDATE queues SET rows = rows + ?, records = records + ?, bytes = bytes + ?, dead = dead + ? WHERE id = ?',
    );
    this.ensureStmt = db.prepare('INSERT INTO queues (hook, endpoint) VALUES (?, ?) ON CONFLICT (hook, endpoint) DO NOTHING');
    this.findStmt = db.prepare('SELECT id FROM queues WHERE hook = ? AND endpoint = ?').pluck();
    this.queuesStmt = db.prepare('SELECT id, hook, endpoint, rows, records, bytes, dead FROM queues ORDER BY hook, endpoint');
  }

  /** Applies a delta (inside the caller's transaction) and returns the totals after it. */
  add(d: StatsDelta): Stats {
    for (const [id, q] of d.queues) if (!q.isZero()) this.addQueueStmt.run(q.rows, q.records, q.bytes, q.dead, id);
    return this.addStmt.get(d.rows, d.records, d.bytes, d.dead) as Stats;
  }

  read(): Stats {
    return this.readStmt.get() as Stats;
  }

  /** The id of a hook's queue for `endpoint`, made if it does not exist (inside a transaction). */
  ensureQueue(hook: string, endpoint: string): number {
    this.ensureStmt.run(hook, endpoint);
    return this.findStmt.get(hook, endpoint) as number;
  }

  findQueue(hook: string, endpoint: string): number | undefined {
    return this.findStmt.get(hook, endpoint) as number | undefined;
  }

  queues(): QueueInfo[] {
    return this.queuesStmt.all() as QueueInfo[];
  }
}
