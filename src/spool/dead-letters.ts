// The `dead_letters` table: one row per record that will not be retried, kept until an operator
// requeues or purges it. Requeue and purge run in one transaction each, and may run in another
// process while a tail holds the state dir (SQLite serializes the writers; the tail notices the
// new rows through PRAGMA data_version, see foreign-rows.ts).
import type { RowTable } from './row-table.js';
import { eventId } from '../hook/event-id.js';
import type { Db, Statement } from './sqlite.js';
import { StatsDelta, type StatsTable } from './stats.js';
import { recordBytes, type DeadLetter, type DeadSelector, type QueuedRow } from './types.js';

const REQUEUE_PAGE = 1000;

interface StoredDead {
  id: number;
  queue_id: number;
  event_id: string;
  segment_key: string;
  stream: string;
  segment: string;
  line: number;
  created_at: number;
  died_at: number;
  attempts: number;
  disposition: string | null;
  reason: 'final' | 'expired';
  record: Buffer;
}

export class DeadLetterTable {
  private readonly insertStmt: Statement;
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly rows: RowTable,
    private readonly stats: StatsTable,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO dead_letters (queue_id, event_id, segment_key, stream, segment, line, created_at, died_at, attempts, disposition, reason, record)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /**
   * Record `i` of `msg` as a dead letter (inside the caller's transaction). `attempts` counts the
   * attempt that got the final status; an expired record is buried without a new attempt.
   */
  bury(msg: QueuedRow, i: number, disposition: string | null, reason: 'final' | 'expired', now: number, delta: StatsDelta): void {
    const line = msg.lines[i]!;
    this.insertStmt.run(
      msg.queueId,
      eventId(msg.segmentKey, line),
      msg.segmentKey,
      msg.stream,
      msg.segment,
      line,
      msg.createdAt,
      now,
      msg.attempts + (reason === 'final' ? 1 : 0),
      disposition,
      reason,
      recordBytes(msg, i),
    );
    delta.buried(msg.queueId, 1);
  }

  list(sel: DeadSelector & { limit?: number }): DeadLetter[] {
    const { where, params } = selection(sel);
    const rows = this.stmt(`SELECT * FROM dead_letters WHERE ${where} ORDER BY id LIMIT ?`).all(
      ...params,
      sel.limit ?? -1,
    ) as StoredDead[];
    return rows.map(toDeadLetter);
  }

  /** Moves the selected dead letters back to the queue as single-record rows due `now`. */
  requeue(sel: DeadSelector, now: number): number {
    const { where, params } = selection(sel);
    const page = this.stmt(`SELECT * FROM dead_letters WHERE ${where} AND id > ? ORDER BY id LIMIT ${REQUEUE_PAGE}`);
    const remove = this.stmt(`DELETE FROM dead_letters WHERE ${where}`);
    return this.db
      .transaction(() => {
        const delta = new StatsDelta();
        let after = 0;
        for (;;) {
          const rows = page.all(...params, after) as StoredDead[];
          for (const d of rows) {
            this.rows.insert({
              queueId: d.queue_id,
              stream: d.stream,
              segment: d.segment,
              segmentKey: d.segment_key,
              lines: Uint32Array.of(d.line),
              ends: Uint32Array.of(d.record.length),
              starts: null,
              body: d.record,
              createdAt: now,
              dueAt: now,
              attempts: 0,
              disposition: null,
            });
            delta.row(d.queue_id, 1, 1, d.record.length);
            delta.buried(d.queue_id, -1);
          }
          if (rows.length < REQUEUE_PAGE) break;
          after = rows[rows.length - 1]!.id;
        }
        remove.run(...params);
        if (!delta.isZero()) this.stats.add(delta);
        return delta.rows;
      })
      .immediate();
  }

  purge(sel: DeadSelector): number {
    const { where, params } = selection(sel);
    const remove = this.stmt(`DELETE FROM dead_letters WHERE ${where}`);
    const perQueue = this.stmt(`SELECT queue_id, count(*) AS n FROM dead_letters WHERE ${where} GROUP BY queue_id`);
    return this.db
      .transaction(() => {
        const delta = new StatsDelta();
        for (const q of perQueue.all(...params) as { queue_id: number; n: number }[]) delta.buried(q.queue_id, -q.n);
        const removed = remove.run(...params).changes;
        if (removed > 0) this.stats.add(delta);
        return removed;
      })
      .immediate();
  }

  count(): number {
    return this.stats.read().dead;
  }

  /** The selector queries have a few shapes only: prepare each once. */
  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}

/** `all`, or every given criterion at once; a selector with no criterion selects nothing. */
function selection(sel: DeadSelector): { where: string; params: unknown[] } {
  const terms: string[] = [];
  const params: unknown[] = [];
  if (sel.queueIds !== undefined) {
    terms.push('queue_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(sel.queueIds));
  }
  if (sel.all) return { where: terms.length ? terms.join(' AND ') : '1', params };
  const scoped = terms.length;
  if (sel.ids !== undefined) {
    terms.push('id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(sel.ids));
  }
  if (sel.diedBefore !== undefined) {
    terms.push('died_at < ?');
    params.push(sel.diedBefore);
  }
  return terms.length === scoped ? { where: '0', params } : { where: terms.join(' AND '), params };
}

function toDeadLetter(d: StoredDead): DeadLetter {
  return {
    id: d.id,
    queueId: d.queue_id,
    eventId: d.event_id,
    stream: d.stream,
    segment: d.segment,
    line: d.line,
    record: d.record,
    createdAt: d.created_at,
    diedAt: d.died_at,
    attempts: d.attempts,
    disposition: d.disposition,
    reason: d.reason,
  };
}
