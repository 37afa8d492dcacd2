// Turns batches of lines into queue chunks and commits them with the checkpoint. A chunk (a queue
// row) holds kept records of one segment, up to a record count and the body limit; requests take
// records from rows whole or in part. Kept records are
// copied at once, run by run, into an arena buffer (chunk bodies are slices of it), so the decode
// buffers can be reused as soon as a batch is handled. Commits happen when enough is pending,
// when the reader is caught up, and on a timer: never with a checkpoint ahead of the records.
import type { LineBatch, SegmentRef } from '../source/types.js';
import type { ChunkInput } from '../spool/types.js';
import { selectLines, type SelectOptions, type SelectStats } from '../hook/filter.js';
import { segmentKey } from '../hook/event-id.js';
import type { Logger } from '../telemetry/logger.js';

export interface EnqueuerOptions {
  selection: SelectOptions;
  /** records per chunk */
  chunkRecords: number;
  /** body bytes per chunk (array bodies add a comma per record and two brackets) */
  chunkBytes: number;
  /** commit once this many records are pending */
  commitRecords: number;
  logger: Logger;
  /** commits the chunks and the checkpoint together, atomically and durably */
  commit(chunks: ChunkInput[]): void;
}

const ARENA_BYTES = 1024 * 1024;

interface OpenChunk {
  input: ChunkInput;
  /** where its body starts in the arena */
  start: number;
  bytes: number;
}

export class Enqueuer {
  readonly stats: SelectStats = { invalid: 0, filtered: 0 };
  queued = 0;
  private pending: ChunkInput[] = [];
  private pendingRecords = 0;
  private open: OpenChunk | null = null;
  private arena = Buffer.allocUnsafe(ARENA_BYTES);
  private used = 0;
  /** segment key of the last segment seen (chunks follow one segment for a long time) */
  private keyOf = { path: '', key: '' };
  /** lines were consumed (even if all were filtered): the checkpoint must move */
  private dirty = false;

  constructor(private readonly opts: EnqueuerOptions) {}

  /** Takes a batch. Returns true when enough is pending that the caller should commit now. */
  add(batch: LineBatch): boolean {
    this.dirty = true;
    const keep = selectLines(batch, this.opts.selection, this.stats, (b, i, why) =>
      this.opts.logger.warn(`${b.segment.path}: line ${b.firstLine + i + 1} skipped: ${why}`),
    );
    const { buf, bounds, segment } = batch;
    let runStart = -1;
    let runEnd = -1;
    for (const i of keep) {
      const s = bounds[i]!;
      const e = bounds[i + 1]!;
      const c = this.chunkFor(segment, e - s, runEnd - runStart);
      if (c === null) {
        // the open chunk is full: its run goes in first, then a new chunk starts
        this.copyRun(buf, runStart, runEnd);
        runStart = runEnd = -1;
        this.close();
        this.chunkFor(segment, e - s, 0);
      }
      if (s !== runEnd) {
        this.copyRun(buf, runStart, runEnd);
        runStart = s;
      }
      runEnd = e;
      const o = this.open!;
      o.input.lines.push(batch.firstLine + i);
      o.input.ends.push(o.bytes + (runEnd - runStart));
      this.pendingRecords++;
    }
    this.copyRun(buf, runStart, runEnd);
    return this.pendingRecords >= this.opts.commitRecords;
  }

  /** Commits everything pending (or just the checkpoint). Returns the number of records committed. */
  flush(): number {
    if (!this.dirty && this.pendingRecords === 0) return 0;
    this.close();
    const chunks = this.pending;
    const n = this.pendingRecords;
    this.pending = [];
    this.pendingRecords = 0;
    this.dirty = false;
    this.opts.commit(chunks);
    this.queued += n;
    return n;
  }

  /**
   * The open chunk if a record of `size` bytes fits in it (`uncopied` bytes of it are still in
   * the current run), opening one if there is none; null when the open chunk is full.
   */
  private chunkFor(segment: SegmentRef, size: number, uncopied: number): OpenChunk | null {
    const c = this.open;
    if (c) {
      const n = c.input.lines.length;
      const bytes = c.bytes + Math.max(0, uncopied);
      const same = c.input.segment === segment.name && c.input.stream === segment.stream;
      if (same && n < this.opts.chunkRecords && (n === 0 || bytes + size + n + 2 <= this.opts.chunkBytes)) return c;
      return null;
    }
    if (this.keyOf.path !== segment.path) this.keyOf = { path: segment.path, key: segmentKey(segment.dir, segment.name) };
    this.open = { input: { stream: segment.stream, segment: segment.name, segmentKey: this.keyOf.key, lines: [], body: Buffer.alloc(0), ends: [] }, start: this.used, bytes: 0 };
    return this.open;
  }

  /** Appends buf[s, e) to the open chunk's body in the arena (a new arena when it is full). */
  private copyRun(buf: Buffer, s: number, e: number): void {
    if (s < 0 || e <= s) return;
    const c = this.open!;
    const len = e - s;
    if (this.used + len > this.arena.length) {
      // A chunk's body is one slice: what it has so far moves to the new arena with it.
      const next = Buffer.allocUnsafe(Math.max(ARENA_BYTES, c.bytes + len));
      this.arena.copy(next, 0, c.start, c.start + c.bytes);
      this.arena = next;
      c.start = 0;
      this.used = c.bytes;
    }
    buf.copy(this.arena, this.used, s, e);
    this.used += len;
    c.bytes += len;
  }

  private close(): void {
    const c = this.open;
    if (!c) return;
    this.open = null;
    c.input.body = this.arena.subarray(c.start, c.start + c.bytes);
    this.pending.push(c.input);
  }
}
