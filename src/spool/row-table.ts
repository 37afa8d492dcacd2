// The `messages` table: one prepared statement per query, rows in and out as QueuedRow.
// Every query is a point lookup or an index range that reads only what it returns (LIMIT, or the
// rows another process just added); only status sums a range (the due rows, index only).
// A row's bytes are inline or in a body file (body-store.ts): reading one preads it, and every
// insert or delete of a file-backed row notes its delta in the FileLedger. A row made of some of a
// file-backed row's records (a retry) points at their span in the same file: the bytes are never
// copied for a retry; compaction.ts moves them when few live rows are left in a file.
import type { BodyFiles } from './body-files.js';
import type { BodyLocation } from './body-store.js';
import type { FileLedger } from './file-ledger.js';
import type { Db, Statement } from './sqlite.js';
import type { ChunkInput, QueuedRow } from './types.js';

/** Position of a row in hand-out order. */
export interface RowKey {
  dueAt: number;
  id: number;
}

/** A key as the index gives it, with the row's record count (the index covers it). */
export interface DiskKey extends RowKey {
  count: number;
}

export type NewRow = Omit<QueuedRow, 'rowId'>;

/** What a deleted row held: for the counters, and where its bytes were. */
export interface RemovedRow {
  queueId: number;
  count: number;
  bytes: number;
  /** null for an inline row */
  fileId: number | null;
  fileOffset: number | null;
}

/** Where a file-backed row's records are: `starts` and `ends` relative to `offset`, as stored. */
export interface FileSpan {
  fileId: number;
  offset: number;
  /** the row's `bytes`: what it counts in the queue and in the file's live bytes */
  bytes: number;
  ends: Uint32Array;
  /** null: the records lie back to back from `offset` */
  starts: Uint32Array | null;
}

/** A removed row as removeWithLayout gives it: `span` null for an inline row. */
export interface RemovedLayout extends RemovedRow {
  span: FileSpan | null;
}

export interface MessageTableOptions {
  /** null for a process that never reads or writes body files (the dead-letter tools) */
  bodies: BodyFiles | null;
  ledger: FileLedger | null;
}

const EMPTY = Buffer.alloc(0);

const hostIsLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Uint32 little-endian, the on-disk form of `lines` and `ends`. */
export function u32Blob(values: Uint32Array): Buffer {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return hostIsLittleEndian ? bytes : Buffer.from(bytes).swap32();
}

/** The fan-out's chunks come as Uint32Arrays of their own; other callers' arrays are copied. */
function u32(values: Uint32Array | readonly number[]): Uint32Array {
  return values instanceof Uint32Array ? values : Uint32Array.from(values);
}

export function blobU32(blob: Buffer): Uint32Array {
  // Copy: a Uint32Array needs 4-byte alignment, which a Buffer from SQLite does not promise.
  const out = new Uint32Array(blob.length >>> 2);
  const view = Buffer.from(out.buffer);
  view.set(blob.subarray(0, out.byteLength));
  if (!hostIsLittleEndian) view.swap32();
  return out;
}

interface StoredRow {
  id: number;
  queue_id: number;
  starts: Buffer | null;
  due_at: number;
  created_at: number;
  attempts: number;
  stream: string;
  segment: string;
  segment_key: string;
  disposition: string | null;
  lines: Buffer;
  ends: Buffer;
  body: Buffer;
  bytes: number;
  file_id: number | null;
  file_offset: number | null;
}

/** The cursor walk's two index seeks (exported so a test can check their query plans). */
export const KEYS_SAME_DUE_SQL = 'SELECT due_at, id, count FROM messages WHERE queue_id = ? AND due_at = ? AND id > ? ORDER BY id LIMIT ?';
export const KEYS_LATER_DUE_SQL = 'SELECT due_at, id, count FROM messages WHERE queue_id = ? AND due_at > ? ORDER BY due_at, id LIMIT ?';

export class RowTable {
  private readonly insertStmt: Statement;
  private readonly removeStmt: Statement;
  private readonly removeLayoutStmt: Statement;
  private readonly rescheduleStmt: Statement;
  private readonly keysSameDueStmt: Statement;
  private readonly keysLaterDueStmt: Statement;
  private readonly getStmt: Statement;
  private readonly sinceStmt: Statement;
  private readonly maxIdStmt: Statement;
  private readonly dueRecordsStmt: Statement;
  private readonly oldestStmt: Statement;

  private readonly bodies: BodyFiles | null;
  private readonly ledger: FileLedger | null;

  constructor(db: Db, opts: MessageTableOptions) {
    this.bodies = opts.bodies;
    this.ledger = opts.ledger;
    this.insertStmt = db.prepare(
      `INSERT INTO messages (queue_id, due_at, created_at, attempts, count, bytes, stream, segment, segment_key, disposition, lines, ends, starts, body, file_id, file_offset)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.removeStmt = db.prepare('DELETE FROM messages WHERE id = ? RETURNING queue_id, count, bytes, file_id, file_offset');
    this.removeLayoutStmt = db.prepare('DELETE FROM messages WHERE id = ? RETURNING queue_id, count, bytes, file_id, file_offset, ends, starts');
    this.rescheduleStmt = db.prepare(
      'UPDATE messages SET due_at = ?, attempts = attempts + 1, disposition = ? WHERE id = ?',
    );
    // Index-only walk of `messages_due` from a cursor, in two seeks: SQLite seeks a row value
    // `(due_at, id) > (?, ?)` on due_at alone and would step over every earlier row with the same
    // due time (a requeue of a million dead letters gives them all one due time).
    this.keysSameDueStmt = db.prepare(KEYS_SAME_DUE_SQL).raw();
    this.keysLaterDueStmt = db.prepare(KEYS_LATER_DUE_SQL).raw();
    this.getStmt = db.prepare(
      `SELECT id, queue_id, due_at, created_at, attempts, stream, segment, segment_key, disposition, lines, ends, starts, body, bytes, file_id, file_offset
       FROM messages WHERE id = ?`,
    );
    // Rows another process added: ids only grow (AUTOINCREMENT), so they are a rowid range.
    this.sinceStmt = db.prepare('SELECT queue_id AS queueId, min(due_at) AS minDue, min(id) AS minId, max(id) AS maxId FROM messages WHERE id > ? GROUP BY queue_id');
    this.maxIdStmt = db.prepare("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'messages'").pluck();
    this.dueRecordsStmt = db.prepare('SELECT coalesce(sum(count), 0) FROM messages WHERE queue_id = ? AND due_at <= ?').pluck();
    // One seek per queue on (queue_id, created_at); the whole table's oldest is the least of them.
    this.oldestStmt = db.prepare('SELECT min(created_at) FROM messages WHERE queue_id = ?').pluck();
    this.queueIdsStmt = db.prepare('SELECT id FROM queues').pluck();
  }
  private readonly queueIdsStmt: Statement;

  /**
   * A new row whose records are already in a body file at `span` (some records of a row that was
   * there); `row.body` is not stored, nor read.
   */
  insertSpan(row: Omit<NewRow, 'body' | 'ends' | 'starts'>, span: FileSpan): number {
    const id = this.insertRow(row, span.bytes, span.ends, span.starts, EMPTY, span.fileId, span.offset);
    this.ledger!.note(span.fileId, 1, span.bytes);
    return id;
  }

  /** A new row; its bytes are `row.body`, stored inline, or already in a body file `at`. */
  insert(row: NewRow, at: BodyLocation | null = null): number {
    const id = at !== null
      ? this.insertRow(row, row.body.length, row.ends, row.starts, EMPTY, at.fileId, at.offset)
      : this.insertRow(row, row.body.length, row.ends, row.starts, row.body, null, null);
    if (at !== null) this.ledger!.note(at.fileId, 1, row.body.length);
    return id;
  }

  private insertRow(
    row: Omit<NewRow, 'body' | 'ends' | 'starts'>,
    bytes: number,
    ends: Uint32Array,
    starts: Uint32Array | null,
    body: Buffer,
    fileId: number | null,
    offset: number | null,
  ): number {
    const info = this.insertStmt.run(
      row.queueId, row.dueAt, row.createdAt, row.attempts, row.lines.length, bytes, row.stream, row.segment, row.segmentKey,
      row.disposition, u32Blob(row.lines), u32Blob(ends), starts === null ? null : u32Blob(starts), body, fileId, offset,
    );
    return Number(info.lastInsertRowid);
  }

  /** A chunk from the reader as a new row, due at once, its body already at `at` (or inline). */
  insertChunk(c: ChunkInput, now: number, at: BodyLocation | null): QueuedRow {
    const row: NewRow = {
      queueId: c.queueId ?? 1,
      stream: c.stream,
      segment: c.segment,
      segmentKey: c.segmentKey,
      lines: u32(c.lines),
      body: c.body,
      ends: u32(c.ends),
      starts: c.starts ? u32(c.starts) : null,
      createdAt: now,
      attempts: 0,
      dueAt: now,
      disposition: null,
    };
    return { rowId: this.insert(row, at), ...row };
  }

  /** Deletes a row; returns what it held, or undefined if it was already gone. */
  remove(id: number): RemovedRow | undefined {
    const r = this.removeStmt.get(id) as { queue_id: number; count: number; bytes: number; file_id: number | null; file_offset: number | null } | undefined;
    if (r === undefined) return undefined;
    if (r.file_id !== null) this.ledger!.note(r.file_id, -1, -r.bytes);
    return { queueId: r.queue_id, count: r.count, bytes: r.bytes, fileId: r.file_id, fileOffset: r.file_offset };
  }

  /** Deletes a row and says where its records were, for rows made of some of them; undefined if it was gone. */
  removeWithLayout(id: number): RemovedLayout | undefined {
    const r = this.removeLayoutStmt.get(id) as
      | { queue_id: number; count: number; bytes: number; file_id: number | null; file_offset: number | null; ends: Buffer; starts: Buffer | null }
      | undefined;
    if (r === undefined) return undefined;
    let span: FileSpan | null = null;
    if (r.file_id !== null) {
      this.ledger!.note(r.file_id, -1, -r.bytes);
      span = { fileId: r.file_id, offset: r.file_offset!, bytes: r.bytes, ends: blobU32(r.ends), starts: r.starts === null ? null : blobU32(r.starts) };
    }
    return { queueId: r.queue_id, count: r.count, bytes: r.bytes, fileId: r.file_id, fileOffset: r.file_offset, span };
  }

  /** One more attempt: a new due time; the bytes stay where they are. False if the row is gone. */
  reschedule(id: number, dueAt: number, disposition: string): boolean {
    return this.rescheduleStmt.run(dueAt, disposition, id).changes === 1;
  }

  /** Up to `limit` keys of queue `queueId` after `after` in hand-out order. */
  keysAfter(queueId: number, after: RowKey, limit: number): DiskKey[] {
    let raw = this.keysSameDueStmt.all(queueId, after.dueAt, after.id, limit) as Array<[number, number, number]>;
    if (raw.length < limit) {
      raw = raw.concat(this.keysLaterDueStmt.all(queueId, after.dueAt, limit - raw.length) as Array<[number, number, number]>);
    }
    return raw.map(([dueAt, id, count]) => ({ dueAt, id, count }));
  }

  get(id: number): QueuedRow | undefined {
    const r = this.getStmt.get(id) as StoredRow | undefined;
    if (r === undefined) return undefined;
    let ends = blobU32(r.ends);
    let starts = r.starts === null ? null : blobU32(r.starts);
    let body: Buffer;
    if (r.file_id === null) body = r.body;
    else if (starts === null) body = this.bodies!.read(r.file_id, r.file_offset!, r.bytes);
    else {
      // Records spread over a region shared with other rows (other hooks, other endpoints): read
      // only this row's runs, back to back, rather than the whole region.
      const runs = runsOf(starts, ends);
      body = this.bodies!.readRuns(r.file_id, r.file_offset!, runs);
      ends = packedEnds(starts, ends);
      starts = null;
    }
    return {
      rowId: r.id,
      queueId: r.queue_id,
      stream: r.stream,
      segment: r.segment,
      segmentKey: r.segment_key,
      lines: blobU32(r.lines),
      body,
      ends,
      starts,
      createdAt: r.created_at,
      attempts: r.attempts,
      dueAt: r.due_at,
      disposition: r.disposition,
    };
  }

  /** Per queue, the earliest due time and the lowest and highest id among rows with id > afterId. */
  since(afterId: number): { queueId: number; minDue: number; minId: number; maxId: number }[] {
    return this.sinceStmt.all(afterId) as { queueId: number; minDue: number; minId: number; maxId: number }[];
  }

  /** The highest id ever given out (deleted rows included). */
  maxId(): number {
    return this.maxIdStmt.get() as number;
  }

  /** Records of a queue due at `now`: an index-only range sum over `messages_due`. */
  dueRecords(queueId: number, now: number): number {
    return this.dueRecordsStmt.get(queueId, now) as number;
  }

  /** The oldest queued record's created_at, of one queue or of all. */
  oldestCreatedAt(queueId?: number): number | null {
    if (queueId !== undefined) return this.oldestStmt.get(queueId) as number | null;
    let oldest: number | null = null;
    for (const id of this.queueIdsStmt.all() as number[]) {
      const t = this.oldestStmt.get(id) as number | null;
      if (t !== null && (oldest === null || t < oldest)) oldest = t;
    }
    return oldest;
  }
}

/** The records' spans merged into runs where one starts right where the one before ends: [from, to, from, to, …]. */
export function runsOf(starts: Uint32Array, ends: Uint32Array): number[] {
  const runs: number[] = [];
  for (let i = 0; i < ends.length; i++) {
    if (runs.length > 0 && runs[runs.length - 1] === starts[i]) runs[runs.length - 1] = ends[i]!;
    else runs.push(starts[i]!, ends[i]!);
  }
  return runs;
}

/** The ends of the records once laid back to back. */
export function packedEnds(starts: Uint32Array, ends: Uint32Array): Uint32Array {
  const out = new Uint32Array(ends.length);
  let at = 0;
  for (let i = 0; i < ends.length; i++) out[i] = at += ends[i]! - starts[i]!;
  return out;
}

/** Records [from, to) of a file-backed row as a span of their own, in place in the same file. */
export function subSpan(s: FileSpan, from: number, to: number): FileSpan {
  const start = s.starts !== null ? s.starts[from]! : from === 0 ? 0 : s.ends[from - 1]!;
  const ends = Uint32Array.from(s.ends.subarray(from, to), (e) => e - start);
  let starts: Uint32Array | null = null;
  if (s.starts !== null) {
    starts = Uint32Array.from(s.starts.subarray(from, to), (x) => x - start);
    // back to back after all (one record, or a run no other hook's records interleave)
    if (starts.every((x, i) => x === (i === 0 ? 0 : ends[i - 1]))) starts = null;
  }
  return { fileId: s.fileId, offset: s.offset + start, bytes: ends[to - from - 1]!, ends, starts };
}
