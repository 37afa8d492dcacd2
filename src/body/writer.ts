// A body assembled from pieces (ranges of record bytes, literal bytes, text) and copied into one
// Buffer of the exact size at the end: a record's bytes are copied once, never decoded and
// encoded again. Consecutive text is joined and encoded once; short byte ranges are copied in a
// loop (a Buffer#copy call costs more than copying a few dozen bytes).

type Piece = Buffer | string;

export class BodyWriter {
  private readonly pieces: Piece[] = [];
  /** for a Buffer piece: [start, end) of it; unused for text */
  private readonly from: number[] = [];
  private readonly to: number[] = [];
  /** bytes of the pieces (pending text not counted yet: see length()) */
  private size = 0;

  /** text not yet a piece: joined until the next bytes() */
  private pending = '';

  bytes(buf: Buffer, start = 0, end = buf.length): void {
    if (this.pending !== '') this.flush();
    this.pieces.push(buf);
    this.from.push(start);
    this.to.push(end);
    this.size += end - start;
  }

  text(s: string): void {
    this.pending += s;
  }

  private flush(): void {
    const s = this.pending;
    this.pending = '';
    this.pieces.push(s);
    this.from.push(0);
    this.to.push(0);
    this.size += Buffer.byteLength(s, 'utf8');
  }

  /** Bytes so far. */
  length(): number {
    if (this.pending !== '') this.flush();
    return this.size;
  }

  /** A point to go back to with reset(). */
  mark(): number {
    if (this.pending !== '') this.flush();
    return this.pieces.length;
  }

  /** Drops what was written since mark() gave `m`. */
  reset(m: number): void {
    this.pending = '';
    for (let i = m; i < this.pieces.length; i++) {
      const p = this.pieces[i]!;
      this.size -= typeof p === 'string' ? Buffer.byteLength(p, 'utf8') : this.to[i]! - this.from[i]!;
    }
    this.pieces.length = this.from.length = this.to.length = m;
  }

  /** The body, in a buffer from `alloc` (a pool: the request builder's). */
  finish(alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
    if (this.pending !== '') this.flush();
    const out = alloc(this.size);
    let pos = 0;
    for (let i = 0; i < this.pieces.length; i++) {
      const p = this.pieces[i]!;
      if (typeof p === 'string') {
        pos += out.write(p, pos, 'utf8');
        continue;
      }
      const from = this.from[i]!;
      const to = this.to[i]!;
      if (to - from > 64) pos += p.copy(out, pos, from, to);
      else for (let j = from; j < to; j++) out[pos++] = p[j]!;
    }
    return out;
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
