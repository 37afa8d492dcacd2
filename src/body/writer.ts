// A body written straight into one growing buffer (ranges of record bytes, literal bytes, text),
// copied once into a buffer of the exact size at the end: a record's bytes are copied, never
// decoded and encoded again. Consecutive text is joined and encoded once; short byte ranges are
// copied in a loop (a Buffer#copy call costs more than copying a few dozen bytes). It replaced a
// list of pieces assembled at the end, whose three arrays of bookkeeping per piece cost a
// `fields` body more than copying the bytes.

/** A reused writer keeps at most this much scratch buffer between bodies. */
const MAX_KEPT = 1024 * 1024;

export class BodyWriter {
  private out: Buffer;
  private pos = 0;
  /** text not written yet: joined until the next bytes(), mark() or finish() */
  private pending = '';

  constructor(sizeHint = 16 * 1024) {
    this.out = Buffer.allocUnsafe(Math.max(256, sizeHint));
  }

  /** Starts a new body (a writer is reused), with room for `sizeHint` bytes. */
  begin(sizeHint: number): void {
    this.pos = 0;
    this.pending = '';
    // a scratch buffer grown by one huge body is not kept for the ordinary ones after it
    if (this.out.length > MAX_KEPT && sizeHint <= MAX_KEPT) this.out = Buffer.allocUnsafe(MAX_KEPT);
    if (sizeHint > this.out.length) this.grow(sizeHint);
  }

  bytes(buf: Buffer, start = 0, end = buf.length): void {
    if (this.pending !== '') this.flush();
    const n = end - start;
    if (this.pos + n > this.out.length) this.grow(n);
    const out = this.out;
    if (n > 64) buf.copy(out, this.pos, start, end);
    else for (let j = start, p = this.pos; j < end; j++, p++) out[p] = buf[j]!;
    this.pos += n;
  }

  text(s: string): void {
    this.pending += s;
  }

  private flush(): void {
    const s = this.pending;
    this.pending = '';
    // a UTF-16 code unit is at most 3 bytes of UTF-8
    if (this.pos + s.length * 3 > this.out.length) this.grow(s.length * 3);
    this.pos += this.out.write(s, this.pos, 'utf8');
  }

  private grow(n: number): void {
    let cap = this.out.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.out.copy(next, 0, 0, this.pos);
    this.out = next;
  }

  /** Bytes so far. */
  length(): number {
    if (this.pending !== '') this.flush();
    return this.pos;
  }

  /** A point to go back to with reset(). */
  mark(): number {
    if (this.pending !== '') this.flush();
    return this.pos;
  }

  /** Drops what was written since mark() gave `m`. */
  reset(m: number): void {
    this.pending = '';
    this.pos = m;
  }

  /** The body, in a buffer from `alloc` (a pool: the request builder's). */
  finish(alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
    if (this.pending !== '') this.flush();
    const body = alloc(this.pos);
    this.out.copy(body, 0, 0, this.pos);
    return body;
  }
}

/** Thrown by a record shaper for a record it cannot shape; the request names the event id. */
export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** Makes one record's body from its bytes buf[start, end) (no trailing newline). */
export interface RecordShaper {
  /** Appends the shaped record to `w`. Throws ShapeError for a record it cannot shape. */
  write(w: BodyWriter, buf: Buffer, start: number, end: number): void;
}

/** `body = "raw"`: the record's bytes as kumod wrote them. */
export const RAW_RECORD: RecordShaper = {
  write: (w, buf, start, end) => w.bytes(buf, start, end),
};
