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

  upsert(checkpoints: Map<string, string>, now: number): void {
    for (const [stream, value] of checkpoints) this.upsertStmt.run(stream, value, now);
  }

  all(): CheckpointDetail[] {
    return this.allStmt.all() as CheckpointDetail[];
  }
}
