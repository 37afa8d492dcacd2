// Reads one segment file as kumod writes it: decodes every block as soon as it is on disk, holds
// a partial last line until the rest arrives, resumes when the file grows, and knows the segment
// is finished when its write bits are cleared (kumod's only signal: no rename, no marker).
import { open, type FileHandle } from 'node:fs/promises';
import { createDecoder, ZstdDataError, type StreamDecoder } from './zstd.js';
import { LineSplitter } from './line-splitter.js';
import { BlockCutter } from './zstd-frames.js';
import { giveBuffer, takeBuffer } from './buffer-pool.js';
import type { LineBatch, SegmentRef } from './types.js';
import { errnoCode, errorMessage } from '../util/errors.js';

export type FinishReason =
  | 'complete' // read-only and the frame ended: every line was read
  | 'truncated' // read-only but the frame never ended (kumod crashed): the partial last line is lost
  | 'corrupt' // bytes that are not zstd, or a corrupt block
  | 'deleted-live' // deleted while still writable: what was on disk was read, then we let go
  | 'vanished' // deleted before it could be opened
  | 'unreadable'; // cannot be opened or read now (permissions, I/O error): not finished, tried again later

export interface SegmentReport {
  reason: FinishReason;
  /** lines consumed in all (handed on or skipped) */
  lines: number;
  /** bytes of partial line dropped (truncated or corrupt segments) */
  droppedBytes: number;
  /** human detail: the error, the offset */
  detail?: string;
}

export interface ReaderEvents {
  onBatch(batch: LineBatch): void | Promise<void>;
  /** a line over the length limit was skipped; `consumed` is the new count of consumed lines */
  onTooLong(segment: SegmentRef, line: number, bytes: number, consumed: number): void;
}

export type PumpResult = 'progress' | 'idle' | SegmentReport;

export interface SegmentReaderOptions {
  /** lines already consumed (from a checkpoint): they are decoded again and skipped */
  startLine?: number;
  maxLineBytes: number;
  /** the consumer keeps no reference to a batch's buffer once onBatch returned: reuse buffers */
  recycleBuffers?: boolean;
}

export class SegmentReader {
  private fh: FileHandle | null = null;
  private decoder: StreamDecoder = createDecoder();
  private splitter: LineSplitter;
  private readonly maxLineBytes: number;
  private readonly recycle: boolean;
  /** two read buffers: one decodes while the other is being filled */
  private readonly src: [Buffer, Buffer];
  private nextSrc = 0;
  private inflight: { buf: Buffer; done: Promise<number> } | null = null;
  private filePos = 0;
  /** decompressed bytes so far */
  private decoded = 0;
  private sawReadOnly = false;
  private finished: SegmentReport | null = null;
  private startLine: number;

  constructor(
    readonly segment: SegmentRef,
    private readonly events: ReaderEvents,
    opts: SegmentReaderOptions,
  ) {
    this.startLine = opts.startLine ?? 0;
    this.maxLineBytes = opts.maxLineBytes;
    this.recycle = opts.recycleBuffers ?? false;
    this.splitter = new LineSplitter(opts.maxLineBytes, undefined, this.recycle);
    this.src = [takeBuffer(), takeBuffer()];
  }

  /** Lines consumed so far: every line before this index was handed on or skipped. */
  get consumedLines(): number {
    return Math.max(this.splitter.lineNo, this.startLine);
  }

  /** Compressed bytes read from the file so far (for progress estimates). */
  get bytesRead(): number {
    return this.filePos;
  }

  /** Reads up to `budget` compressed bytes. Returns the report once the segment is finished. */
  async pump(budget: number): Promise<PumpResult> {
    if (this.finished) return this.finished;
    if (!this.fh) {
      const failed = await this.open();
      if (failed) return this.finish(failed.reason, failed.detail);
    }
    let readTotal = 0;
    while (readTotal < budget) {
      const r = this.inflight ?? this.startRead();
      this.inflight = null;
      let n: number;
      try {
        n = await r.done;
      } catch (err) {
        return this.finish('unreadable', `read failed at byte ${this.filePos}: ${errorMessage(err)}`);
      }
      if (n === 0) return this.atEnd(readTotal);
      const chunkStart = this.filePos;
      this.filePos += n;
      readTotal += n;
      // A short read is the end of what is on disk now: for a finished segment, the end.
      const short = n < r.buf.length;
      // Read ahead into the other buffer while this one decodes.
      if (!short) this.inflight = this.startRead();
      try {
        await this.decode(r.buf.subarray(0, n));
      } catch (err) {
        if (!(err instanceof ZstdDataError)) throw err;
        return this.recover(this.filePos, `${err.message} in the compressed bytes ${chunkStart}-${this.filePos}`);
      }
      if (short && this.sawReadOnly) return this.finishAtEof();
    }
    return 'progress';
  }

  private startRead(): { buf: Buffer; done: Promise<number> } {
    const buf = this.src[(this.nextSrc ^= 1)]!;
    return { buf, done: this.fh!.read(buf, 0, buf.length, this.filePos).then((r) => r.bytesRead) };
  }

  /** Stops reading: closes the file. A finished reader needs no close. */
  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await this.inflight?.done.catch(() => 0);
    this.inflight = null;
    // Nothing waits on the close itself (one thread-pool round trip less per segment).
    void fh?.close().catch(() => undefined);
  }

  private async open(): Promise<{ reason: FinishReason; detail: string } | null> {
    try {
      this.fh = await open(this.segment.path, 'r');
      const st = await this.fh.stat();
      if (!st.isFile()) return { reason: 'unreadable', detail: 'not a regular file' };
      // A finished segment (kumod clears the write bits after its last write) needs no second look.
      this.sawReadOnly = (st.mode & 0o222) === 0;
      return null;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') return { reason: 'vanished', detail: 'deleted before it was opened' };
      return { reason: 'unreadable', detail: errorMessage(err) };
    }
  }

  private async atEnd(readTotal: number): Promise<PumpResult> {
    // Read-only before the read that hit the end: every byte was on disk, nothing to ask again.
    if (this.sawReadOnly) return this.finishAtEof();
    let st;
    try {
      st = await this.fh!.stat();
    } catch (err) {
      return this.finish('unreadable', `stat failed: ${errorMessage(err)}`);
    }
    const readOnly = (st.mode & 0o222) === 0;
    if (readOnly) {
      // The write bits are cleared after the last write: one more read sees everything.
      this.sawReadOnly = true;
      return this.pump(Number.MAX_SAFE_INTEGER);
    }
    if (st.nlink === 0) {
      await this.flushDecoder();
      return this.finish('deleted-live', 'deleted while still being written; the lines on disk were read', this.splitter.pendingBytes);
    }
    return readTotal > 0 ? 'progress' : 'idle';
  }

  private async finishAtEof(): Promise<SegmentReport> {
    await this.flushDecoder();
    if (!this.decoder.finish()) {
      const dropped = this.splitter.pendingBytes;
      return this.finish('truncated', `the zstd frame ends early (crashed writer); ${dropped} bytes of partial line dropped`, dropped);
    }
    const rest = this.splitter.takeCarry();
    if (rest && rest.length > 0) {
      // A complete frame whose last line has no newline: kumod never writes that, but the data
      // is whole, so it is handed on with the newline a line needs.
      const buf = Buffer.concat([rest, Buffer.from('\n')]);
      const line = this.splitter.lineNo++;
      if (line >= this.startLine) {
        await this.events.onBatch({ segment: this.segment, buf, bounds: Int32Array.of(0, buf.length), count: 1, firstLine: line, bufOffset: this.decoded - rest.length });
      }
    }
    return this.finish('complete');
  }

  /**
   * A decode call that fails loses the output it made before the bad block. Decode the segment
   * again from its start, one block per call, so every line before the bad block is handed on,
   * then finish the segment as corrupt, naming the exact offset.
   */
  private async recover(failedEnd: number, firstError: string): Promise<SegmentReport> {
    await this.inflight?.done.catch(() => 0);
    this.inflight = null;
    const handedOn = this.consumedLines;
    let prefix: Buffer;
    try {
      prefix = Buffer.allocUnsafe(failedEnd);
      let got = 0;
      while (got < failedEnd) {
        const { bytesRead } = await this.fh!.read(prefix, got, failedEnd - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      prefix = prefix.subarray(0, got);
    } catch {
      return this.finish('corrupt', firstError, this.splitter.pendingBytes);
    }
    this.decoder = createDecoder();
    this.splitter = new LineSplitter(this.maxLineBytes, undefined, this.recycle);
    this.startLine = Math.max(this.startLine, handedOn);
    this.decoded = 0;
    const cutter = new BlockCutter();
    let pos = 0;
    while (pos < prefix.length) {
      const end = cutter.next(prefix, pos);
      const unitEnd = end === -1 || end > prefix.length ? prefix.length : end;
      try {
        await this.decode(prefix.subarray(pos, unitEnd));
      } catch (err) {
        if (!(err instanceof ZstdDataError)) throw err;
        return this.finish('corrupt', `${err.message} in the block at compressed byte ${pos} (decompressed offset ${this.decoded})`, this.splitter.pendingBytes);
      }
      pos = unitEnd;
    }
    return this.finish('corrupt', firstError, this.splitter.pendingBytes);
  }

  /** Drains output the decoder still holds (it may have filled a buffer exactly). */
  private async flushDecoder(): Promise<void> {
    try {
      await this.decode(Buffer.alloc(0));
    } catch (err) {
      if (!(err instanceof ZstdDataError)) throw err;
    }
  }

  private async decode(input: Buffer): Promise<void> {
    let off = 0;
    for (;;) {
      const [buf, start] = this.splitter.nextBuffer();
      const { consumed, produced } = this.decoder.decode(input.subarray(off), buf, start);
      off += consumed;
      this.decoded += produced;
      if (produced > 0) {
        const batches: LineBatch[] = [];
        this.splitter.push(buf, start + produced, {
          onLines: (b, bounds, count, firstLine, bufOffset) => {
            const batch = this.skipConsumed({ segment: this.segment, buf: b, bounds, count, firstLine, bufOffset });
            if (batch) batches.push(batch);
          },
          onTooLong: (line, bytes) => this.events.onTooLong(this.segment, line, bytes, Math.max(line + 1, this.startLine)),
        });
        for (const b of batches) {
          const r = this.events.onBatch(b);
          if (r) await r;
        }
      }
      // Output room left over means the decoder has flushed everything this input allows.
      if (off >= input.length && start + produced < buf.length) return;
    }
  }

  /** Drops lines a checkpoint says were consumed already. */
  private skipConsumed(b: LineBatch): LineBatch | null {
    const skip = this.startLine - b.firstLine;
    if (skip <= 0) return b;
    if (skip >= b.count) return null;
    return { ...b, bounds: b.bounds.subarray(skip), count: b.count - skip, firstLine: this.startLine };
  }

  private async finish(reason: FinishReason, detail?: string, droppedBytes = 0): Promise<SegmentReport> {
    await this.close();
    // nothing reads these any more: the next segment may use them
    for (const b of this.src) giveBuffer(b);
    this.splitter.release();
    this.decoder.release();
    this.finished = { reason, lines: this.consumedLines, droppedBytes, ...(detail ? { detail } : {}) };
    return this.finished;
  }
}
