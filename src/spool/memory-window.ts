// Rows this process committed and has not handed out yet, kept in hand-out order so the steady
// state (commit → takeDue → ack) never reads them back from disk. Bounded in records and bytes,
// by a budget all the queues' windows share: what does not fit stays on disk only and is read
// from there. Rows of several hooks may share one body buffer: each counts it (a bound, not a
// measure).
import { spanBytes, type QueuedRow } from './types.js';

/** What a row holds of its body: a row spread over a shared region counts only its own records. */
function heldBytes(m: QueuedRow): number {
  return m.starts === null ? m.body.length : spanBytes(m, 0, m.ends.length);
}

/**
 * A row whose records are spread thin over a shared region (one of a thousand tenant endpoints)
 * gets its own copy of them: kept as a view, it would hold the whole 16 MiB region in memory until
 * the last endpoint with a record there is served. The copy costs a memcpy of its own bytes; the
 * disk keeps the shared region, written once.
 */
function compacted(m: QueuedRow): QueuedRow {
  if (m.starts === null) return m;
  const n = m.ends.length;
  const held = spanBytes(m, 0, n);
  if (held * 2 > m.body.length) return m;
  const body = Buffer.allocUnsafe(held);
  const ends = new Uint32Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    at += m.body.copy(body, at, m.starts[i]!, m.ends[i]!);
    ends[i] = at;
  }
  return { ...m, body, ends, starts: null };
}

export class MemoryBudget {
  records = 0;
  bytes = 0;

  constructor(
    readonly maxRecords: number,
    readonly maxBytes: number,
  ) {}
}

export class MemoryWindow {
  private rows: QueuedRow[] = [];
  /** index of the head in `rows`: a deque without shifting the array on every take */
  private start = 0;

  constructor(private readonly budget: MemoryBudget) {}

  get length(): number {
    return this.rows.length - this.start;
  }

  head(): QueuedRow | undefined {
    return this.rows[this.start];
  }

  tail(): QueuedRow | undefined {
    return this.length === 0 ? undefined : this.rows[this.rows.length - 1];
  }

  /** The i-th row from the head. */
  at(i: number): QueuedRow | undefined {
    return this.rows[this.start + i];
  }

  hasRoomFor(m: QueuedRow): boolean {
    const b = this.budget;
    return b.records + m.lines.length <= b.maxRecords && b.bytes + heldBytes(m) <= b.maxBytes;
  }

  push(row: QueuedRow): void {
    const m = compacted(row);
    this.rows.push(m);
    this.budget.records += m.lines.length;
    this.budget.bytes += heldBytes(m);
  }

  shift(): QueuedRow | undefined {
    const m = this.rows[this.start];
    if (m === undefined) return undefined;
    this.rows[this.start++] = undefined as unknown as QueuedRow; // let the body be collected
    this.budget.records -= m.lines.length;
    this.budget.bytes -= heldBytes(m);
    if (this.start === this.rows.length) {
      this.rows = [];
      this.start = 0;
    } else if (this.start >= 1024 && this.start * 2 >= this.rows.length) {
      this.rows = this.rows.slice(this.start);
      this.start = 0;
    }
    return m;
  }
}
