// Splits decoded bytes into complete lines without copying them: the decoder writes each round
// into a fresh buffer that starts with the previous round's partial line (the "carry"), so a
// line never spans two buffers and only the carry (less than one line) is ever copied.
// A line longer than maxLineBytes is dropped as it streams by, with bounded memory.

import { giveBuffer, READ_BYTES, takeBuffer } from './buffer-pool.js';

export interface SplitEvents {
  /** a run of complete lines: buf[bounds[i], bounds[i+1]) is line firstLine+i, "\n" included */
  onLines(buf: Buffer, bounds: Int32Array, count: number, firstLine: number, bufOffset: number): void;
  /** line `line` was longer than the limit and was skipped; `bytes` is its length */
  onTooLong(line: number, bytes: number): void;
}

export class LineSplitter {
  /** index of the next line to complete */
  lineNo = 0;
  /** decompressed offset of the first byte of the carry (or of the next byte when there is none) */
  private carryOffset = 0;
  private carry: Buffer | null = null;
  /** bytes of an over-long line seen so far; -1 when not inside one */
  private skipping = -1;

  /** With recycling, two buffers take turns: one is decoded into while the other's lines are done. */
  private readonly spare: Buffer[] = [];
  private last: Buffer | null = null;

  constructor(
    private readonly maxLineBytes: number,
    private readonly outBytes = READ_BYTES,
    /** the consumer is done with a buffer's lines once its batches were handled (no copy kept) */
    private readonly recycle = false,
  ) {}

  /** Bytes of the partial line held back so far. */
  get pendingBytes(): number {
    return this.skipping >= 0 ? this.skipping : (this.carry?.length ?? 0);
  }

  /** A buffer for the next decode round, holding the carry at its start. Returns [buf, start]. */
  nextBuffer(): [Buffer, number] {
    const carryLen = this.carry?.length ?? 0;
    const size = carryLen > this.outBytes / 2 ? carryLen + this.outBytes : this.outBytes;
    // The previous buffer still holds the carry: it goes back to the spares after the copy.
    const reuse = this.recycle && size === this.outBytes ? (this.spare.pop() ?? (size === READ_BYTES ? takeBuffer() : undefined)) : undefined;
    const buf = reuse ?? Buffer.allocUnsafe(size);
    if (this.carry) this.carry.copy(buf, 0);
    if (this.recycle && this.last && this.last.length === this.outBytes && this.last !== buf) this.spare.push(this.last);
    this.last = buf;
    return [buf, carryLen];
  }

  /** Takes a decode round: buf[0, carryLen) is the carry, buf[carryLen, end) new bytes. */
  push(buf: Buffer, end: number, ev: SplitEvents): void {
    const view = buf.subarray(0, end);
    const carryLen = this.carry?.length ?? 0;
    let lineStart = 0;
    let from = carryLen;
    let base = this.carryOffset;
    if (this.skipping >= 0) {
      const nl = view.indexOf(10, 0);
      if (nl === -1) {
        this.skipping += end;
        this.carryOffset += end;
        return;
      }
      ev.onTooLong(this.lineNo++, this.skipping + nl + 1);
      this.skipping = -1;
      lineStart = nl + 1;
      from = lineStart;
    }
    const starts: number[] = [];
    let runFirst = this.lineNo;
    for (let nl = view.indexOf(10, from); nl !== -1; nl = view.indexOf(10, nl + 1)) {
      if (nl + 1 - lineStart > this.maxLineBytes) {
        this.flushRun(buf, starts, lineStart, runFirst, base, ev);
        ev.onTooLong(this.lineNo++, nl + 1 - lineStart);
        runFirst = this.lineNo;
      } else {
        starts.push(lineStart);
        this.lineNo++;
      }
      lineStart = nl + 1;
    }
    this.flushRun(buf, starts, lineStart, runFirst, base, ev);
    this.carryOffset = base + lineStart;
    if (end - lineStart > this.maxLineBytes) {
      this.skipping = end - lineStart;
      this.carryOffset = base + end;
      this.carry = null;
    } else {
      this.carry = lineStart < end ? buf.subarray(lineStart, end) : null;
    }
  }

  /** The segment is done: with recycling, its buffers go back to the shared pool. */
  release(): void {
    if (!this.recycle) return;
    for (const b of this.spare) giveBuffer(b);
    if (this.last && this.carry === null) giveBuffer(this.last);
    this.spare.length = 0;
    this.last = null;
  }

  /** Whatever partial line is left, for the end of a segment. */
  takeCarry(): Buffer | null {
    const c = this.carry;
    this.carry = null;
    return c;
  }

  private flushRun(buf: Buffer, starts: number[], end: number, firstLine: number, base: number, ev: SplitEvents): void {
    const n = starts.length;
    if (n === 0) return;
    const bounds = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) bounds[i] = starts[i]!;
    bounds[n] = end;
    starts.length = 0;
    ev.onLines(buf, bounds, n, firstLine, base);
  }
}
