// Per-endpoint rates (KumoMTA's traffic shaping names): max_message_rate (records/s),
// max_request_rate (requests/s), max_connection_rate (new connections/s). A token bucket each,
// pure: time comes in as `now`, so tests drive it with a manual clock.
//
// A bucket holds at most one second's worth of tokens (at least 1), so after a quiet spell a
// burst of up to `perSecond` goes out at once, as KumoMTA's throttles allow. A take larger than
// the bucket (a batch of 500 records at 100/s) waits for a full bucket and leaves it in debt, so
// the long-run rate still holds and no batch waits forever.
import type { Clock } from '../util/clock.js';

export class TokenBucket {
  private readonly capacity: number;
  private tokens: number;
  private at: number;

  /** `perSecond` > 0; the bucket starts full at `now` */
  constructor(readonly perSecond: number, now: number) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`rate must be a positive number, got ${perSecond}`);
    this.capacity = Math.max(1, perSecond);
    this.tokens = this.capacity;
    this.at = now;
  }

  /** Milliseconds until `n` tokens may be taken (0: now). */
  delayMs(n: number, now: number): number {
    this.refill(now);
    const need = Math.min(n, this.capacity);
    if (this.tokens >= need) return 0;
    // less a hair, so that floating-point dust does not add a millisecond
    return Math.max(1, Math.ceil(((need - this.tokens) * 1000) / this.perSecond - 1e-9));
  }

  /** Takes `n` tokens (call once delayMs says 0); the bucket may go into debt. */
  take(n: number, now: number): void {
    this.refill(now);
    this.tokens -= n;
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) * this.perSecond) / 1000);
      this.at = now;
    }
  }
}

export interface RateLimits {
  /** records per second (KumoMTA max_message_rate) */
  maxMessageRate?: number;
  /** requests per second */
  maxRequestRate?: number;
}

/** The records and requests buckets of one endpoint, taken together. */
export class DeliveryRate {
  private readonly messages: TokenBucket | null;
  private readonly requests: TokenBucket | null;

  constructor(limits: RateLimits, now: number) {
    this.messages = limits.maxMessageRate ? new TokenBucket(limits.maxMessageRate, now) : null;
    this.requests = limits.maxRequestRate ? new TokenBucket(limits.maxRequestRate, now) : null;
  }

  /** No limit is set: callers can skip the bookkeeping. */
  get unlimited(): boolean {
    return this.messages === null && this.requests === null;
  }

  /** Milliseconds until a request of `records` records may start (0: now). */
  delayMs(records: number, now: number): number {
    return Math.max(this.messages?.delayMs(records, now) ?? 0, this.requests?.delayMs(1, now) ?? 0);
  }

  /** A request of `records` records starts now. */
  take(records: number, now: number): void {
    this.messages?.take(records, now);
    this.requests?.take(1, now);
  }
}

/**
 * Waits its callers' turns at a rate, first come first served, on the injected clock. `wait`
 * resolves false (without taking tokens) once `abort()` was called: a caller that was waiting
 * sends nothing.
 */
export class Throttle {
  private turn: Promise<void> = Promise.resolve();
  private readonly ac = new AbortController();

  constructor(
    private readonly delayMs: (n: number, now: number) => number,
    private readonly take: (n: number, now: number) => void,
    private readonly clock: Clock,
  ) {}

  static of(bucket: TokenBucket | DeliveryRate, clock: Clock): Throttle {
    return new Throttle((n, now) => bucket.delayMs(n, now), (n, now) => bucket.take(n, now), clock);
  }

  async wait(n: number): Promise<boolean> {
    const prev = this.turn;
    let done!: () => void;
    this.turn = new Promise<void>((r) => (done = r));
    try {
      await prev;
      for (;;) {
        if (this.ac.signal.aborted) return false;
        const now = this.clock.now();
        const ms = this.delayMs(n, now);
        if (ms <= 0) {
          this.take(n, now);
          return true;
        }
        await this.clock.sleep(ms, this.ac.signal);
      }
    } catch {
      return false; // aborted while asleep
    } finally {
      done();
    }
  }

  /** Every waiting and future caller gets false. */
  abort(): void {
    this.ac.abort();
  }
}
