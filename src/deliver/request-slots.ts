// A hook's `concurrency`, shared fairly by its endpoints. Each request takes a slot; endpoints
// that find none wait in one first-come queue, and a freed slot goes to the endpoint that has
// waited longest, so a deep backlog on one endpoint cannot starve the rest. While every slot is
// busy, records build up in the endpoints' queues, so their next requests carry bigger batches:
// a replay over a thousand tenant endpoints sends full batches instead of two records at a time.
//
// A slow receiver must not hold the others up: a request still in flight after `slowMs` gives
// its slot back (it goes on, and still counts against its own endpoint's concurrency). So at most
// `size` requests start per `slowMs`, however many endpoints hang.

import type { Clock } from '../util/clock.js';

/** Whoever waits for a slot: woken when one is set aside for it. */
export interface SlotWaiter {
  wake(): void;
}

/** A taken slot; release it once, when its request ends. */
export interface Slot {
  release(): void;
}

/** A request in flight longer than this stops counting against the hook's concurrency. */
export const SLOW_REQUEST_MS = 1000;

interface Held extends Slot {
  at: number;
  done: boolean;
}

export class RequestSlots {
  private free: number;
  private readonly waiting: SlotWaiter[] = [];
  private readonly queued = new Set<SlotWaiter>();
  /** waiters a freed slot was set aside for, not yet taken */
  private readonly granted = new Set<SlotWaiter>();
  private readonly held = new Set<Held>();
  private cancelSweep: (() => void) | null = null;

  constructor(
    readonly size: number,
    private readonly clock: Clock,
    private readonly slowMs = SLOW_REQUEST_MS,
  ) {
    this.free = Math.max(1, size);
  }

  /** A slot for `w` now, or null: `w` is queued and woken when one is set aside for it. */
  take(w: SlotWaiter): Slot | null {
    if (this.granted.delete(w)) return this.hold();
    if (this.free > 0 && this.waiting.length === 0) {
      this.free--;
      return this.hold();
    }
    if (!this.queued.has(w)) {
      this.queued.add(w);
      this.waiting.push(w);
      this.sweepLater();
    }
    return null;
  }

  /** `w` waits for a slot and none is set aside for it yet: nothing to decide before its turn. */
  waits(w: SlotWaiter): boolean {
    return this.queued.has(w);
  }

  /** `w` has nothing to send after all: a slot set aside for it goes on to the next waiter. */
  decline(w: SlotWaiter): void {
    if (this.granted.delete(w)) this.handOn();
  }

  /** `w` stops (its dispatcher is stopping): out of the queue, and any slot set aside passes on. */
  leave(w: SlotWaiter): void {
    if (this.queued.delete(w)) this.waiting.splice(this.waiting.indexOf(w), 1);
    this.decline(w);
  }

  /** Requests holding a slot now. */
  get busy(): number {
    return this.held.size;
  }

  private hold(): Slot {
    const h: Held = {
      at: this.clock.now(),
      done: false,
      release: () => {
        if (h.done) return;
        h.done = true;
        this.held.delete(h);
        this.handOn();
      },
    };
    this.held.add(h);
    return h;
  }

  /** A slot came free: set it aside for the longest waiter, or keep it. */
  private handOn(): void {
    const next = this.waiting.shift();
    if (next === undefined) {
      this.free++;
      return;
    }
    this.queued.delete(next);
    this.granted.add(next);
    next.wake();
  }

  /** While someone waits, slots held past slowMs are given back. */
  private sweepLater(): void {
    if (this.cancelSweep !== null) return;
    this.cancelSweep = this.clock.timer(Math.max(1, this.slowMs / 4), () => {
      this.cancelSweep = null;
      const cutoff = this.clock.now() - this.slowMs;
      for (const h of [...this.held]) {
        if (this.waiting.length === 0) break;
        if (h.at <= cutoff) h.release();
      }
      if (this.waiting.length > 0) this.sweepLater();
    });
  }
}
