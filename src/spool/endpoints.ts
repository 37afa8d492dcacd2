// The `endpoints` table: the last error and last success per webhook URL, for `loghook status`.
// Notes are merged in memory per URL and written with the next commit, so a busy endpoint costs
// one upsert per commit, not one per request.
import type { Db, Statement } from './sqlite.js';
import type { EndpointState } from './types.js';

export interface EndpointNote {
  error?: string;
  ok?: boolean;
}

interface PendingNote {
  error: string | null;
  errorAt: number | null;
  okAt: number | null;
}

export class EndpointTable {
  private readonly upsertStmt: Statement;
  private readonly allStmt: Statement;
  private pending = new Map<string, PendingNote>();

  constructor(db: Db) {
    // A note without an error keeps the stored error (status shows both times); likewise for success.
    this.upsertStmt = db.prepare(
      `INSERT INTO endpoints (url, last_error, last_error_at, last_success_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (url) DO UPDATE SET
         last_error = CASE WHEN excluded.last_error_at IS NULL THEN last_error ELSE excluded.last_error END,
         last_error_at = coalesce(excluded.last_error_at, last_error_at),
         last_success_at = coalesce(excluded.last_success_at, last_success_at)`,
    );
    this.allStmt = db.prepare(
      `SELECT url, last_error AS lastError, last_error_at AS lastErrorAt, last_success_at AS lastSuccessAt
       FROM endpoints ORDER BY url`,
    );
  }

  note(url: string, note: EndpointNote, now: number): void {
    const p = this.pending.get(url) ?? { error: null, errorAt: null, okAt: null };
    if (note.error !== undefined) {
      p.error = note.error;
      p.errorAt = now;
    }
    if (note.ok) p.okAt = now;
    this.pending.set(url, p);
  }

  hasPending(): boolean {
    return this.pending.size > 0;
  }

  /** Writes the merged notes; call inside a transaction, then `settled()` once it committed. */
  apply(): void {
    for (const [url, p] of this.pending) this.upsertStmt.run(url, p.error, p.errorAt, p.okAt);
  }

  committed(): void {
    this.pending = new Map();
  }

  all(): EndpointState[] {
    return this.allStmt.all() as EndpointState[];
  }
}
