// Rows this process committed and has not handed out yet, kept in hand-out order so the steady
// state (commit → takeDue → ack) never reads them back from disk. Bounded in records and bytes,
// by a budget all the queues' windows share: what does not fit stays on disk only and is read
// from there. Rows of several hooks may share one body buffer: each counts it (a bound, not a
// measure).
import type { QueuedMessage } from './types.js';

export class MemoryBudget {
  records = 0;
  bytes = 0;

  constructor(
    readonly maxRecords: number,
    readonly maxBytes: number,
  ) {}
}

export class MemoryWindow {
  private rows: QueuedMessage[] = [];
  /** index of the head in `rows`: a deque without shifting the array on every take */
  private start = 0;

  constructor(private readonly budget: MemoryBudget) {}

  get length(): number {
    return this.rows.length - this.start;
  }

  head(): QueuedMessage | undefined {
    return this.rows[this.start];
  }

  tail(): QueuedMessage | undefined {
    return this.length === 0 ? undefined : this.rows[this.rows.length - 1];
  }

  /** The i-th row from the head. */
  at(i: number): QueuedMessage | undefined {
    return this.rows[this.start + i];
  }

  hasRoomFor(m: QueuedMessage): boolean {
    const b = this.budget;
    return b.records + m.lines.length <= b.maxRecords && b.bytes + m.body.length <= b.maxBytes;
  }

  push(m: QueuedMessage): void {
    this.rows.push(m);
    this.budget.records += m.lines.length;
    this.budget.bytes += m.body.length;
  }

  shift(): QueuedMessage | undefined {
    const m = this.rows[this.start];
    if (m === undefined) return undefined;
    this.rows[this.start++] = undefined as unknown as QueuedMessage; // let the body be collected
    this.budget.records -= m.lines.length;
    this.budget.bytes -= m.body.length;
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
