// Which rows this process has handed out, and which come next. Claims live in memory only: after a
// restart every row is unclaimed again (at-least-once).
//
// Rows are handed out in (due_at, id) order. Three pieces of state make that cheap and exact:
// - `cursor`: every row never handed out has a key above it (rewound when a row lands below it:
//   a retry due in the past, a clock step back, rows requeued by another process);
// - `window`: rows committed here, in key order, served from memory;
// - `floor`: a lower bound of the keys of rows that are known only to the disk (rows from before
//   the start, retries, rows that did not fit in the window, rows of other processes).
// While the window's head is below the floor no disk row can come first, so takeDue needs no
// SELECT. Otherwise it walks the (due_at, id, count) index from the cursor, which also finds the
// window's rows in place, and sets the floor to the first row only the disk has.
import type { DiskKey, RowKey } from './row-table.js';
import { MemoryBudget, MemoryWindow } from './memory-window.js';
import type { QueuedRow } from './types.js';

/** One queue's rows on disk. */
export interface ClaimSource {
  keysAfter(after: RowKey, limit: number): DiskKey[];
  get(id: number): QueuedRow | undefined;
}

/** The floor when the disk holds no row that the window does not. */
const NONE: RowKey = { dueAt: Infinity, id: Infinity };

/** The defaults suit production; tests use tiny values to reach every branch. */
export interface WalkTuning {
  /** most keys read per index query */
  keyPage: number;
  /** window rows a walk passes without taking before it settles for a lower bound */
  maxPassed: number;
}

export class Claims {
  private cursor: RowKey = { dueAt: Number.MIN_SAFE_INTEGER, id: 0 };
  /** Unknown at start: the disk may hold anything. */
  private floor: RowKey = { dueAt: Number.MIN_SAFE_INTEGER, id: 1 };
  private readonly claimed = new Set<number>();
  private readonly window: MemoryWindow;

  constructor(
    private readonly source: ClaimSource,
    window: MemoryBudget | { maxRecords: number; maxBytes: number },
    private readonly tuning: WalkTuning = { keyPage: 256, maxPassed: 256 },
  ) {
    this.window = new MemoryWindow(window instanceof MemoryBudget ? window : new MemoryBudget(window.maxRecords, window.maxBytes));
  }

  /** Rows this process just committed, in id order. */
  committed(rows: QueuedRow[]): void {
    for (const m of rows) {
      const key = keyOf(m);
      const tail = this.window.tail();
      const inOrder = above(key, this.cursor) && (tail === undefined || above(key, keyOf(tail)));
      if (inOrder && this.window.hasRoomFor(m)) this.window.push(m);
      else this.appeared(key);
    }
  }

  /** A claimable row exists on disk at `key` (or, as a bound, at or above it). */
  appeared(key: RowKey): void {
    if (below(key, this.floor)) this.floor = key;
    if (!above(key, this.cursor)) this.cursor = { dueAt: key.dueAt, id: key.id - 1 };
  }

  /** The row's outcome is on disk: it is no longer in flight. */
  release(id: number): void {
    this.claimed.delete(id);
  }

  take(maxRecords: number, now: number): QueuedRow[] {
    const take = new TakeBudget(maxRecords);
    for (;;) {
      const head = this.window.head();
      if (head !== undefined && below(keyOf(head), this.floor)) {
        if (head.dueAt > now || !take.fits(head.lines.length)) return take.rows;
        this.hand(this.window.shift()!, take);
        continue;
      }
      if (this.floor.dueAt <= now) this.walk(now, take);
      return take.rows;
    }
  }

  nextDueAt(): number | null {
    let head = this.window.head();
    if (head !== undefined && below(keyOf(head), this.floor)) return head.dueAt;
    if (head === undefined && this.floor === NONE) return null;
    this.walk(null, new TakeBudget(0));
    head = this.window.head();
    const due = Math.min(head?.dueAt ?? Infinity, this.floor.dueAt);
    return due === Infinity ? null : due;
  }

  /**
   * Walks the index from the cursor. With `now`, hands out rows in order while they are due and
   * fit the take; either way it stops at the first row only the disk has and makes it the floor.
   */
  private walk(now: number | null, take: TakeBudget): void {
    let taking = now !== null;
    let after = this.cursor;
    let passed = 0;
    // Small first: a take usually needs a few keys; a long walk doubles up to the full page.
    for (let page = Math.min(16, this.tuning.keyPage); ; page = Math.min(page * 2, this.tuning.keyPage)) {
      const keys = this.source.keysAfter(after, page);
      for (const k of keys) {
        after = k;
        if (this.claimed.has(k.id)) {
          if (taking) this.cursor = k;
          continue;
        }
        const due = taking && k.dueAt <= now! && take.fits(k.count);
        const w = this.window.at(passed);
        if (w !== undefined && w.rowId === k.id) {
          if (due) {
            this.hand(this.window.shift()!, take);
            continue;
          }
          taking = false;
          if (++passed >= this.tuning.maxPassed) return void (this.floor = { dueAt: k.dueAt, id: k.id + 1 });
          continue;
        }
        if (!due) return void (this.floor = k);
        const m = this.source.get(k.id);
        // Only this process deletes rows, and never unclaimed ones; should one vanish anyway, pass it.
        if (m === undefined) this.cursor = k;
        else this.hand(m, take);
      }
      if (keys.length < page) return void (this.floor = NONE);
    }
  }

  private hand(m: QueuedRow, take: TakeBudget): void {
    this.claimed.add(m.rowId);
    this.cursor = keyOf(m);
    take.add(m);
  }
}

/** What one take may still hand out: whole rows up to a record count. */
class TakeBudget {
  readonly rows: QueuedRow[] = [];
  private records = 0;

  constructor(private readonly maxRecords: number) {}

  /** Whole rows, never above the limit, but always at least one. */
  fits(count: number): boolean {
    return this.rows.length === 0 || this.records + count <= this.maxRecords;
  }

  add(m: QueuedRow): void {
    this.rows.push(m);
    this.records += m.lines.length;
  }
}

function keyOf(m: QueuedRow): RowKey {
  return { dueAt: m.dueAt, id: m.rowId };
}

function below(a: RowKey, b: RowKey): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.id < b.id);
}

function above(a: RowKey, b: RowKey): boolean {
  return below(b, a);
}
