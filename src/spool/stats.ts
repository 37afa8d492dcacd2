// Queue counters, moved by deltas inside the transaction that changes the rows, so they are
// always exact and reading them costs a point lookup, however large the queue: one `stats` row
// for the state dir's total (max_queue bounds the whole state dir) and one `queues` row per queue.
// Each queue also keeps lifetime counters (records queued, delivered, retried, dead, expired),
// moved in the same transactions, so that `status` can tell them with no tail running.
import type { Db, Statement } from './sqlite.js';
import { LIFETIME_COLUMNS } from './schema.js';
import type { LifetimeCounts, QueueCounts, QueueInfo } from './types.js';

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

class QueueDelta extends Counts {
  readonly total: LifetimeCounts = { queued: 0, delivered: 0, retried: 0, dead: 0, expired: 0 };

  override isZero(): boolean {
    const t = this.total;
    return super.isZero() && t.queued === 0 && t.delivered === 0 && t.retried === 0 && t.dead === 0 && t.expired === 0;
  }
}

/** What one transaction changes: the total and each queue it touched. */
export class StatsDelta extends Counts {
  readonly queues = new Map<number, QueueDelta>();

  /** Nothing to write: a retry in place moves no row but counts one. */
  override isZero(): boolean {
    if (!super.isZero()) return false;
    for (const q of this.queues.values()) if (!q.isZero()) return false;
    return true;
  }

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

  /** Lifetime counters of queue `queueId` to add to (records, not rows). */
  total(queueId: number): LifetimeCounts {
    return this.of(queueId).total;
  }

  private of(queueId: number): QueueDelta {
    let q = this.queues.get(queueId);
    if (q === undefined) this.queues.set(queueId, (q = new QueueDelta()));
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

  /** false for a file no lock holder of this version has opened yet (schema.ts addLifetimeColumns) */
  private readonly lifetime: boolean;

  constructor(db: Db) {
    const columns = new Set((db.pragma('table_info(queues)') as { name: string }[]).map((c) => c.name));
    this.lifetime = LIFETIME_COLUMNS.every((c) => columns.has(c));
    this.addStmt = db.prepare(
      `UPDATE stats SET rows = rows + ?, records = records + ?, bytes = bytes + ?, dead = dead + ?
       WHERE id = 1 RETURNING rows, records, bytes, dead`,
    );
    this.readStmt = db.prepare('SELECT rows, records, bytes, dead FROM stats WHERE id = 1');
    this.addQueueStmt = db.prepare(
      this.lifetime
        ? `UPDATE queues SET rows = rows + ?, records = records + ?, bytes = bytes + ?, dead = dead + ?,
             queued_total = queued_total + ?, delivered_total = delivered_total + ?, retried_total = retried_total + ?,
             dead_total = dead_total + ?, expired_total = expired_total + ? WHERE id = ?`
        : 'UPDATE queues SET rows = rows + ?, records = records + ?, bytes = bytes + ?, dead = dead + ? WHERE id = ?',
    );
    this.ensureStmt = db.prepare('INSERT INTO queues (hook, endpoint) VALUES (?, ?) ON CONFLICT (hook, endpoint) DO NOTHING');
    this.findStmt = db.prepare('SELECT id FROM queues WHERE hook = ? AND endpoint = ?').pluck();
    this.queuesStmt = db.prepare(
      `SELECT id, hook, endpoint, rows, records, bytes, dead${this.lifetime ? `, ${LIFETIME_COLUMNS.join(', ')}` : ''} FROM queues ORDER BY hook, endpoint`,
    );
  }

  /** Applies a delta (inside the caller's transaction) and returns the totals after it. */
  add(d: StatsDelta): Stats {
    for (const [id, q] of d.queues) {
      if (q.isZero()) continue;
      const t = q.total;
      if (this.lifetime) this.addQueueStmt.run(q.rows, q.records, q.bytes, q.dead, t.queued, t.delivered, t.retried, t.dead, t.expired, id);
      else this.addQueueStmt.run(q.rows, q.records, q.bytes, q.dead, id);
    }
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

  /** Every queue; `total` is null in a file that has no lifetime counters yet. */
  queues(): QueueInfo[] {
    return (this.queuesStmt.all() as StoredQueue[]).map((q) => ({
      id: q.id, hook: q.hook, endpoint: q.endpoint, rows: q.rows, records: q.records, bytes: q.bytes, dead: q.dead,
      total: this.lifetime
        ? { queued: q.queued_total!, delivered: q.delivered_total!, retried: q.retried_total!, dead: q.dead_total!, expired: q.expired_total! }
        : null,
    }));
  }
}

interface StoredQueue extends Omit<QueueInfo, 'total'> {
  queued_total?: number;
  delivered_total?: number;
  retried_total?: number;
  dead_total?: number;
  expired_total?: number;
}
