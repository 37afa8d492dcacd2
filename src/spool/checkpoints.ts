// The `checkpoints` table: one opaque value per stream key, owned by the reader. It is only
// written inside commit(), in the same transaction as the messages it accounts for.
import type { Db, Statement } from './sqlite.js';
import type { CheckpointDetail } from './types.js';

export class CheckpointTable {
  private readonly upsertStmt: Statement;
  private readonly allStmt: Statement;

  constructor(db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO checkpoints (stream, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.allStmt = db.prepare('SELECT stream, value, updated_at AS updatedAt FROM checkpoints ORDER BY stream');
  }

  /** what this connection last wrote per stream: a value unchanged since is not written again */
  private readonly written = new Map<string, string>();

  /**
   * Writes the streams whose value changed (every stream the first time), so `updated_at` is when
   * a stream's position last moved. Every stream's checkpoint comes with every commit; writing
   * the idle ones each time cost an upsert per stream per commit (REVIEW.md §d defect 16).
   */
  upsert(checkpoints: Map<string, string>, now: number): void {
    for (const [stream, value] of checkpoints) {
      if (this.written.get(stream) === value) continue;
      this.upsertStmt.run(stream, value, now);
      this.written.set(stream, value);
    }
  }

  /** The transaction that wrote the last upsert() rolled back: forget what it wrote. */
  forget(): void {
    this.written.clear();
  }

  all(): CheckpointDetail[] {
    return this.allStmt.all() as CheckpointDetail[];
  }
}
