// Body-file compaction: a record to retry keeps pointing at its bytes in the body file it came in
// (outcomes.ts), so a few records that fail for days would keep whole 64 MiB files on disk. Once a
// file holds less than `liveShare` of a file's size in live rows, and none of them is a record
// never tried (a file the queue is still working through drains by itself), its rows are moved
// into the file being appended to, `stepBytes` at a time, riding on the commits: their bytes are
// read, appended with the commit's fresh bodies (one writev, one fdatasync: durable before any row
// points at them), and the same transaction that commits the batch points the rows at their new
// place. The row that empties the file drops it from the files table in that transaction, and the
// file goes after the commit (body-store.ts), as any emptied file does. A crash before the commit
// leaves the rows where they were and the copies as bytes no row points at; after it, only the
// unlink is left, done at the next open. A row's id, due time and attempts never change: nothing
// queued is lost or queued twice.
import type { BodyFiles } from './body-files.js';
import type { BodyLocation } from './body-store.js';
import type { FileLedger } from './file-ledger.js';
import type { Db, Statement } from './sqlite.js';

export interface CompactionOptions {
  /** a file whose live bytes are under this share of a full file is compacted (default 0.65) */
  liveShare?: number;
  /** bytes one step moves at most (default 4 MiB; tests lower it) */
  stepBytes?: number;
}

/** Most rows one step looks at: a 4 MiB step of 1 KB records. */
const ROWS_PER_STEP = 4096;

interface Move {
  id: number;
  fromFile: number;
  fromOffset: number;
  bytes: number;
  /** where its bytes are in the step's buffer */
  at: number;
}

/** Rows to move and their bytes, read before the append. */
export interface CompactionStep {
  buffer: Buffer;
  moves: Move[];
}

export class Compaction {
  private readonly liveShare: number;
  private readonly stepBytes: number;
  private readonly candidatesStmt: Statement;
  private readonly freshStmt: Statement;
  private readonly rowsStmt: Statement;
  private readonly moveStmt: Statement;

  constructor(
    db: Db,
    private readonly files: BodyFiles,
    private readonly ledger: FileLedger,
    private readonly fileBytes: number,
    o: CompactionOptions = {},
  ) {
    this.liveShare = o.liveShare ?? 0.65;
    this.stepBytes = o.stepBytes ?? 4 * 1024 * 1024;
    this.candidatesStmt = db.prepare('SELECT id FROM files WHERE live_rows > 0 AND bytes < ? ORDER BY bytes').pluck();
    this.freshStmt = db.prepare('SELECT 1 FROM messages WHERE file_id = ? AND attempts = 0 LIMIT 1').pluck();
    this.rowsStmt = db.prepare(`SELECT id, file_offset, bytes FROM messages WHERE file_id = ? LIMIT ${ROWS_PER_STEP}`);
    this.moveStmt = db.prepare('UPDATE messages SET file_id = ?, file_offset = ? WHERE id = ? AND file_id = ? AND file_offset = ?');
  }

  /** The next rows to move out of a mostly dead file and their bytes, or null; call before the append. */
  plan(appendingTo: number | null): CompactionStep | null {
    const victim = this.victim(appendingTo);
    if (victim === null) return null;
    const rows = this.rowsStmt.all(victim) as { id: number; file_offset: number; bytes: number }[];
    const parts: Buffer[] = [];
    const moves: Move[] = [];
    // A row's `bytes` from its offset cover its records (with the other hooks' records between
    // them, for a row of a shared region: starts and ends stay valid as they are). Rows of several
    // hooks that cover the same bytes share one copy, as they did.
    const copied = new Map<string, number>();
    let size = 0;
    for (const r of rows) {
      if (size >= this.stepBytes) break;
      const key = `${r.file_offset}:${r.bytes}`;
      let at = copied.get(key);
      if (at === undefined) {
        copied.set(key, (at = size));
        parts.push(this.files.read(victim, r.file_offset, r.bytes));
        size += r.bytes;
      }
      moves.push({ id: r.id, fromFile: victim, fromOffset: r.file_offset, bytes: r.bytes, at });
    }
    return moves.length === 0 ? null : { buffer: Buffer.concat(parts, size), moves };
  }

  /**
   * Inside the transaction, once the step's buffer is durable at `to`: points each row that is
   * still where the plan found it at its copy (a row the same transaction removed is skipped).
   */
  apply(step: CompactionStep, to: BodyLocation): void {
    for (const m of step.moves) {
      if (this.moveStmt.run(to.fileId, to.offset + m.at, m.id, m.fromFile, m.fromOffset).changes !== 1) continue;
      this.ledger.note(m.fromFile, -1, -m.bytes);
      this.ledger.note(to.fileId, 1, m.bytes);
    }
  }

  /**
   * A file other than the one appended to whose live rows are under the share, with no record
   * never tried: the least live first. The files table has a few rows per GiB queued.
   */
  private victim(appendingTo: number | null): number | null {
    const limit = this.liveShare * this.fileBytes;
    for (const id of this.candidatesStmt.all(limit) as number[]) {
      if (id !== appendingTo && this.freshStmt.get(id) === undefined) return id;
    }
    return null;
  }
}
