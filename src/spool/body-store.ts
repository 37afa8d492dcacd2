// Where the bodies of fresh chunks go: appended to a body file and fdatasynced before the SQLite
// transaction that inserts their rows, so SQLite writes metadata only (a chunk's ~100 KB body no
// longer goes through the WAL, then again to the table at checkpoint, then out again on delete).
// The rules that keep "rows + checkpoint" exactly as atomic and durable as with inline bodies:
// - a file is registered in `files` before its first byte is written: a file on disk that the
//   table does not know, or knows as empty, is garbage;
// - bytes are on disk before any committed row points at them. A crash between the append and
//   the transaction leaves bytes no row points at: the checkpoint did not move either, the records
//   are read and appended again, and the stray bytes go with their file;
// - a process appends only to a file it created, so it never needs to know where the valid bytes
//   of an older file end: a new process starts a new file;
// - a file goes once no row lives in it and nobody appends to it: right after the transaction
//   that emptied it, when appending moves to the next file, at close, or at the next open.
//   The first one to go is kept as the spare, and the next file is that one renamed and written
//   over: measured here, 1 GB through fresh 64 MiB files cost 1.0 s (allocating blocks, fdatasync
//   journaling them, unlink freeing them) against 0.43 s written over a recycled one.
import type { BodyFiles } from './body-files.js';
import type { FileLedger } from './file-ledger.js';
import type { Db } from './sqlite.js';
import type { ChunkInput } from './types.js';

export interface BodyLocation {
  fileId: number;
  offset: number;
}

/** A body file this size is full; it holds ~650 chunks of 100 x 1 KB records. */
export const BODY_FILE_BYTES = 64 * 1024 * 1024;

/** How a spool stores bodies: the defaults are production's; tests and the benchmark set the rest. */
export interface BodyStoreOptions {
  /** a body file this size is full (default BODY_FILE_BYTES; tests lower it) */
  rotateBytes?: number;
  /** run right after each append's fdatasync (a crash test kills the process there) */
  afterAppend?: () => void;
  /** store fresh bodies in SQLite as format 1 did, to compare the two (the benchmark) */
  inline?: boolean;
}

interface Current {
  id: number;
  size: number;
  /** an append failed part way: what the file holds past `size` is unknown, move on */
  broken: boolean;
}

export class BodyStore {
  private current: Current | null = null;
  private hasSpare = false;
  private readonly inline: boolean;
  private readonly afterAppend: (() => void) | null;
  /** a body file this size is full */
  readonly rotateBytes: number;

  private constructor(
    private readonly db: Db,
    private readonly files: BodyFiles,
    private readonly ledger: FileLedger,
    o: BodyStoreOptions,
  ) {
    this.inline = o.inline === true;
    this.afterAppend = o.afterAppend ?? null;
    this.rotateBytes = o.rotateBytes ?? BODY_FILE_BYTES;
  }

  /** For the state dir's lock holder only: removes the files a crash or an earlier run left. */
  static open(db: Db, files: BodyFiles, ledger: FileLedger, o: BodyStoreOptions = {}): BodyStore {
    const store = new BodyStore(db, files, ledger, o);
    store.sweep();
    return store;
  }

  /** The file being appended to: it stays while empty, since the next commit appends to it. */
  get appendingTo(): number | null {
    return this.current?.id ?? null;
  }

  /** False when fresh bodies go inline (the benchmark's option): nothing to compact then. */
  get inFiles(): boolean {
    return !this.inline;
  }

  /**
   * Appends the chunks' bodies and `moved` (bytes compaction moves here: compaction.ts), in one
   * writev and one fdatasync, and returns where each one is; null for a chunk body to store
   * inline. Call before the transaction that inserts their rows.
   */
  append(chunks: ChunkInput[], moved: readonly Buffer[] = []): { chunks: Array<BodyLocation | null>; moved: BodyLocation[] } {
    if (this.inline || (chunks.length === 0 && moved.length === 0)) return { chunks: chunks.map(() => null), moved: [] };
    const { buffers, at } = shareRegions(chunks);
    const first = buffers.push(...moved) - moved.length;
    const cur = this.writable();
    const starts: number[] = [];
    let end = cur.size;
    for (const b of buffers) {
      starts.push(end);
      end += b.length;
    }
    try {
      this.files.append(cur.id, cur.size, buffers);
    } catch (err) {
      cur.broken = true;
      throw err;
    }
    cur.size = end;
    this.afterAppend?.();
    return {
      chunks: at.map(({ buffer, offset }) => ({ fileId: cur.id, offset: starts[buffer]! + offset })),
      moved: moved.map((_, i) => ({ fileId: cur.id, offset: starts[first + i]! })),
    };
  }

  /** Lets go of the files a committed transaction emptied (FileLedger.apply): one becomes the spare. */
  reclaim(ids: number[]): void {
    for (const id of ids) {
      if (this.hasSpare) this.files.remove(id);
      else {
        this.files.retire(id);
        this.hasSpare = true;
      }
    }
  }

  /**
   * Removes the spare, and the file being appended to if it is empty: a state dir whose queue is
   * empty holds no body file. Call after the last write.
   */
  close(): void {
    const cur = this.current;
    this.current = null;
    if (cur !== null && this.db.transaction(() => this.ledger.drop(cur.id)).immediate()) this.files.remove(cur.id);
    if (this.hasSpare) this.files.removeSpare();
    this.hasSpare = false;
  }

  private writable(): Current {
    const cur = this.current;
    if (cur !== null && !cur.broken && cur.size < this.rotateBytes) return cur;
    // One small transaction per file (every 64 MiB): register the next file, drop the last if empty.
    const { id, dropped } = this.db
      .transaction(() => ({ id: this.ledger.register(), dropped: cur !== null && this.ledger.drop(cur.id) }))
      .immediate();
    this.current = null;
    if (cur !== null) {
      if (dropped) this.reclaim([cur.id]);
      else this.files.forget(cur.id); // reads reopen it read-only
    }
    const reused = this.hasSpare && this.files.reuseSpare(id);
    this.hasSpare = false;
    if (!reused) this.files.create(id);
    return (this.current = { id, size: 0, broken: false });
  }

  private sweep(): void {
    const rows = this.ledger.all();
    const live = new Set(rows.filter((r) => r.liveRows > 0).map((r) => r.id));
    if (live.size < rows.length) {
      this.db.transaction(() => rows.forEach((r) => r.liveRows === 0 && this.ledger.drop(r.id))).immediate();
    }
    for (const id of this.files.list()) if (!live.has(id)) this.files.remove(id);
    this.files.removeSpare();
  }
}

/**
 * The bytes to write for a commit's chunks, each region once: the chunks of several hooks are
 * views of one buffer of the records any of them kept (pipeline/fan-out.ts), so the views of one
 * underlying buffer are written as the one range that covers them, unless that range would be
 * mostly bytes no chunk holds. Returns the buffers to write and, per chunk, which buffer and where
 * in it its body starts.
 */
export function shareRegions(chunks: readonly ChunkInput[]): { buffers: Buffer[]; at: { buffer: number; offset: number }[] } {
  const groups = new Map<ArrayBufferLike, { from: number; to: number; sum: number; chunks: number[] }>();
  chunks.forEach((c, i) => {
    const b = c.body;
    const g = groups.get(b.buffer);
    if (g === undefined) groups.set(b.buffer, { from: b.byteOffset, to: b.byteOffset + b.length, sum: b.length, chunks: [i] });
    else {
      g.from = Math.min(g.from, b.byteOffset);
      g.to = Math.max(g.to, b.byteOffset + b.length);
      g.sum += b.length;
      g.chunks.push(i);
    }
  });
  const buffers: Buffer[] = [];
  const at = new Array<{ buffer: number; offset: number }>(chunks.length);
  for (const [ab, g] of groups) {
    if (g.chunks.length > 1 && g.to - g.from <= 2 * g.sum) {
      const n = buffers.push(Buffer.from(ab, g.from, g.to - g.from)) - 1;
      for (const i of g.chunks) at[i] = { buffer: n, offset: chunks[i]!.body.byteOffset - g.from };
    } else {
      for (const i of g.chunks) at[i] = { buffer: buffers.push(chunks[i]!.body) - 1, offset: 0 };
    }
  }
  return { buffers, at };
}
