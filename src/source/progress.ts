// Read progress of one stream, the part of the checkpoint the source owns. In the common case it
// is kumod's own shape, {segment, line}: the oldest unfinished segment and the lines consumed in
// it. It generalises that so a writable segment never stalls newer ones: segments started or
// finished above the oldest unfinished one are listed too, until the watermark passes them.

const FORMAT = 1;

export interface StreamCheckpoint {
  v: number;
  /** every segment with a name <= this one is consumed */
  done_through: string | null;
  /** segments started and not finished: name -> lines consumed */
  open: Record<string, number>;
  /** segments finished above done_through (a writable older segment is still open) */
  done: string[];
}

export class StreamProgress {
  doneThrough: string | null = null;
  readonly open = new Map<string, number>();
  readonly done = new Set<string>();

  static parse(json: string): StreamProgress {
    const data = JSON.parse(json) as StreamCheckpoint;
    if (data.v !== FORMAT) throw new Error(`unsupported checkpoint format ${String(data.v)}`);
    const p = new StreamProgress();
    p.doneThrough = data.done_through;
    for (const [k, v] of Object.entries(data.open)) p.open.set(k, v);
    for (const d of data.done) p.done.add(d);
    return p;
  }

  toJSON(): StreamCheckpoint {
    return { v: FORMAT, done_through: this.doneThrough, open: Object.fromEntries(this.open), done: [...this.done] };
  }

  /** The oldest unfinished segment and its lines consumed: kumod's {segment, line}. */
  head(): { segment: string; line: number } | null {
    let best: string | null = null;
    for (const name of this.open.keys()) if (best === null || name < best) best = name;
    return best === null ? null : { segment: best, line: this.open.get(best)! };
  }

  isConsumed(name: string): boolean {
    return (this.doneThrough !== null && name <= this.doneThrough) || this.done.has(name);
  }

  startLine(name: string): number {
    return this.open.get(name) ?? 0;
  }

  setLines(name: string, lines: number): void {
    this.open.set(name, lines);
  }

  /** The segment is finished (or gone): nothing more will be read from it. */
  markDone(name: string): void {
    this.open.delete(name);
    if (!this.isConsumed(name)) this.done.add(name);
    this.advance();
  }

  private advance(): void {
    const sorted = [...this.done].sort();
    for (const name of sorted) {
      const blocked = [...this.open.keys()].some((o) => o < name);
      if (blocked) break;
      this.doneThrough = name;
      this.done.delete(name);
    }
  }
}
