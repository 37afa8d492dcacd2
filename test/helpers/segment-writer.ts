// Writes log segments exactly the way kumod does: one zstd frame per file (level 3,
// no checksum, no content size, 2 MiB window), compressed blocks landing on disk every 128 KiB of
// uncompressed input, cut at that byte count, so a live segment usually ends mid-line. A finished
// segment has its write bits cleared after the end of the frame; a crash leaves it read-only and
// unfinished. Compresses in-process, so tests need no `zstd` command.
import { chmodSync, closeSync, fchmodSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { zstd, type EndDirective } from './zstd.js';

export interface BlockEvent {
  segment: string;
  /** Date.now() right after the block was written to the file */
  t: number;
  bytesWritten: number;
  linesOnDisk: number;
}

export interface SegmentWriterOptions {
  /** mode of the new file; kumod's live segments are 0644 */
  mode?: number;
  /** uncompressed bytes per block; kumod's is 128 KiB */
  blockBytes?: number;
  /** called after each block lands on disk */
  onBlock?: (event: BlockEvent) => void;
}

type Line = string | Uint8Array;

function countNewlines(buf: Uint8Array): number {
  let n = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

export class SegmentWriter {
  /** compressed bytes in the file */
  bytesWritten = 0;
  /** uncompressed bytes given to write(), on disk or still buffered */
  bytesIn = 0;
  /** '\n'-terminated lines given to write(), on disk or still buffered */
  linesWritten = 0;
  /** whole lines a streaming decoder can read from the file now */
  linesOnDisk = 0;
  private fd: number | undefined;
  private readonly cctx = new zstd.CCtx();
  private readonly staging: Buffer;
  private pending = 0;
  private readonly out: Buffer;
  // [file offset, linesOnDisk] at each block end: a crash cut keeps the lines of whole blocks only
  private readonly blockEnds: Array<[number, number]> = [];

  private constructor(readonly path: string, readonly name: string, fd: number, private readonly opts: SegmentWriterOptions) {
    this.fd = fd;
    const blockBytes = opts.blockBytes ?? 128 * 1024;
    this.staging = Buffer.allocUnsafe(blockBytes);
    this.out = Buffer.allocUnsafe(zstd.compressBound(blockBytes) + 1024);
    this.cctx.setParameter(zstd.CParameter.compressionLevel, 3);
    this.cctx.setParameter(zstd.CParameter.windowLog, 21);
    this.cctx.setParameter(zstd.CParameter.checksumFlag, 0);
    this.cctx.setParameter(zstd.CParameter.contentSizeFlag, 0);
  }

  /** Opens dir/name for appending (created empty: a new segment is 0 bytes until its first block). */
  static create(dir: string, name: string, opts: SegmentWriterOptions = {}): SegmentWriter {
    const blockBytes = opts.blockBytes ?? 128 * 1024;
    if (!Number.isInteger(blockBytes) || blockBytes < 1) throw new Error(`SegmentWriter: blockBytes must be a positive integer, got ${blockBytes}`);
    const path = join(dir, name);
    const mode = opts.mode ?? 0o644;
    const fd = openSync(path, 'a', mode);
    fchmodSync(fd, mode); // the umask must not change what the test asked for
    return new SegmentWriter(path, name, fd, opts);
  }

  /** Buffers bytes as given (include the '\n'); every full block goes to disk at once. */
  write(line: Line): void {
    this.openFd();
    const buf = typeof line === 'string' ? Buffer.from(line) : line;
    this.bytesIn += buf.length;
    this.linesWritten += countNewlines(buf);
    for (let off = 0; off < buf.length;) {
      const n = Math.min(this.staging.length - this.pending, buf.length - off);
      this.staging.set(buf.subarray(off, off + n), this.pending);
      this.pending += n;
      off += n;
      if (this.pending === this.staging.length) this.emit(zstd.EndDirective.flush);
    }
  }

  writeRecords(records: readonly object[]): void {
    this.write(records.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  /** Puts whatever is buffered on disk now as a block, as if 128 KiB had been reached. */
  flushBlock(): void {
    if (this.pending > 0) this.emit(zstd.EndDirective.flush);
  }

  /** Ends the frame; later writes start a second frame in the same file (pre-2024.11 kumod). */
  endFrame(): void {
    this.emit(zstd.EndDirective.end);
  }

  /** kumod's rotation: end the frame, then clear the write bits (that is what "finished" means). */
  finish(): void {
    this.endFrame();
    this.close(0o444);
  }

  /**
   * A kumod crash: buffered bytes land as a block, the last `cutBytes` of the file are lost
   * (cutting into a block), the frame is never ended, and kumod's startup sweep makes it 0444.
   */
  crash({ cutBytes = 0 }: { cutBytes?: number } = {}): void {
    this.flushBlock();
    if (cutBytes > 0) {
      this.bytesWritten = Math.max(0, this.bytesWritten - cutBytes);
      ftruncateSync(this.openFd(), this.bytesWritten);
      const whole = this.blockEnds.filter(([end]) => end <= this.bytesWritten);
      this.linesOnDisk = whole.length > 0 ? whole[whole.length - 1]![1] : 0;
    }
    this.close(0o444);
  }

  /** Stops writing mid-frame, as the live segment is: buffered bytes never reach the file, mode stays. */
  leaveOpen(): void {
    this.close();
  }

  private emit(directive: EndDirective): void {
    const fd = this.openFd();
    const src = this.staging.subarray(0, this.pending);
    const chunks: Buffer[] = [];
    for (let consumed = 0; ;) {
      const [remaining, produced, used] = this.cctx.compressStream2(this.out, src.subarray(consumed), directive);
      consumed += used;
      chunks.push(Buffer.from(this.out.subarray(0, produced)));
      if (remaining === 0 && consumed === src.length) break;
    }
    // one write per block, so a reader never sees a block arrive in pieces
    const block = Buffer.concat(chunks);
    for (let off = 0; off < block.length;) off += writeSync(fd, block, off);
    this.bytesWritten += block.length;
    this.linesOnDisk += countNewlines(src);
    this.pending = 0;
    this.blockEnds.push([this.bytesWritten, this.linesOnDisk]);
    this.opts.onBlock?.({ segment: this.name, t: Date.now(), bytesWritten: this.bytesWritten, linesOnDisk: this.linesOnDisk });
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`SegmentWriter: ${this.path} is already closed`);
    return this.fd;
  }

  private close(mode?: number): void {
    closeSync(this.openFd());
    this.fd = undefined;
    if (mode !== undefined) chmodSync(this.path, mode);
  }
}

/** Writes a finished segment holding `lines` (each written as is: include the '\n'). */
export function writeSegment(dir: string, name: string, lines: readonly Line[], opts: SegmentWriterOptions = {}): SegmentWriter {
  const w = SegmentWriter.create(dir, name, opts);
  for (const line of lines) w.write(line);
  w.finish();
  return w;
}

/** A finished segment of two complete frames back to back, as releases before 2024.11 could write. */
export function concatFrames(dir: string, name: string, [first, second]: readonly [readonly Line[], readonly Line[]], opts: SegmentWriterOptions = {}): SegmentWriter {
  const w = SegmentWriter.create(dir, name, opts);
  for (const line of first) w.write(line);
  w.endFrame();
  for (const line of second) w.write(line);
  w.finish();
  return w;
}
