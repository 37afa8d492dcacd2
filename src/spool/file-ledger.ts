// The `files` table: for each body file, how many message rows and how many of their bytes still
// live in it. Inserts and deletes of file-backed rows note deltas here (row-table.ts), and
// `apply` writes them inside the same transaction, so the counts are exact whatever instant a
// crash hits, and a file is known empty without looking at a single message row.
import type { Db, Statement } from './sqlite.js';

export interface FileRow {
  id: number;
  liveRows: number;
  bytes: number;
}

export class FileLedger {
  private readonly registerStmt: Statement;
  private readonly addStmt: Statement;
  private readonly dropStmt: Statement;
  private readonly allStmt: Statement;
  /** Deltas of the transaction being built, per file. */
  private pending = new Map<number, { rows: number; bytes: number }>();

  constructor(db: Db) {
    this.registerStmt = db.prepare('INSERT INTO files (live_rows, bytes) VALUES (0, 0)');
    this.addStmt = db
      .prepare('UPDATE files SET live_rows = live_rows + ?, bytes = bytes + ? WHERE id = ? RETURNING live_rows')
      .pluck();
    this.dropStmt = db.prepare('DELETE FROM files WHERE id = ? AND live_rows = 0');
    this.allStmt = db.prepare('SELECT id, live_rows AS liveRows, bytes FROM files ORDER BY id');
  }

  /** A file-backed row of `bytes` bytes was inserted (rows 1) or deleted (rows -1). */
  note(fileId: number, rows: number, bytes: number): void {
    const d = this.pending.get(fileId);
    if (d === undefined) this.pending.set(fileId, { rows, bytes });
    else {
      d.rows += rows;
      d.bytes += bytes;
    }
  }

  /**
   * Writes the noted deltas (inside the caller's transaction) and deletes the row of every file
   * they emptied, except `keep` (the file being appended to). Returns the deleted ids: unlink
   * those files once the transaction committed.
   */
  apply(keep: number | null): number[] {
    const emptied: number[] = [];
    for (const [id, d] of this.pending) {
      if (d.rows === 0 && d.bytes === 0) continue;
      const live = this.addStmt.get(d.rows, d.bytes, id) as number | undefined;
      if (live === 0 && id !== keep && this.drop(id)) emptied.push(id);
    }
    this.pending = new Map();
    return emptied;
  }

  /** Forgets the deltas of a transaction that did not commit. */
  discard(): void {
    this.pending = new Map();
  }

  /** A new file's id, registered empty (inside the caller's transaction). */
  register(): number {
    return Number(this.registerStmt.run().lastInsertRowid);
  }

  /** Deletes the file's row if no message row lives in it; true if it did. */
  drop(id: number): boolean {
    return this.dropStmt.run(id).changes === 1;
  }

  /** Every file: a few rows per GiB queued. */
  all(): FileRow[] {
    return this.allStmt.all() as FileRow[];
  }
}
