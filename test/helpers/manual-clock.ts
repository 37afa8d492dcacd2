// A Clock whose time moves only when a test says so, and a seeded Random. Retry, batching and
// expiry tests run on these and never sleep for real.
import { abortError, type Clock, type Random } from '../../src/util/clock.js';

interface Sleeper {
  deadline: number;
  resolve: () => void;
  reject: (err: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class ManualClock implements Clock {
  private t: number;
  private sleepers: Sleeper[] = [];

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /** Resolves once the clock is advanced to `now() + ms` or beyond; rejects when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError());
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const s: Sleeper = {
        deadline: this.t + ms,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.sleepers = this.sleepers.filter((x) => x !== s);
          reject(abortError());
        },
      };
      signal?.addEventListener('abort', s.onAbort, { once: true });
      this.sleepers.push(s);
    });
  }

  /** Calls `fn` once the clock is advanced to `now() + ms` or beyond, unless cancelled first. */
  timer(ms: number, fn: () => void): () => void {
    if (ms <= 0) {
      let cancelled = false;
      queueMicrotask(() => cancelled || fn());
      return () => (cancelled = true);
    }
    const s: Sleeper = { deadline: this.t + ms, resolve: fn, reject: () => undefined, signal: undefined, onAbort: () => undefined };
    this.sleepers.push(s);
    return () => (this.sleepers = this.sleepers.filter((x) => x !== s));
  }

  /** Moves time forward and wakes every sleeper whose deadline has come, earliest first. */
  advance(ms: number): void {
    this.set(this.t + ms);
  }

  set(t: number): void {
    if (t < this.t) throw new Error(`ManualClock: time cannot go back (${t} < ${this.t})`);
    this.t = t;
    const due = this.sleepers.filter((s) => s.deadline <= t).sort((a, b) => a.deadline - b.deadline);
    this.sleepers = this.sleepers.filter((s) => s.deadline > t);
    for (const s of due) {
      s.signal?.removeEventListener('abort', s.onAbort);
      s.resolve();
    }
  }

  /** The earliest pending sleep deadline, or null. */
  nextDeadline(): number | null {
    let min: number | null = null;
    for (const s of this.sleepers) if (min === null || s.deadline < min) min = s.deadline;
    return min;
  }

  /** How many sleeps are pending. */
  get sleeping(): number {
    return this.sleepers.length;
  }
}

/**
 * A wall clock the test sets, backwards too (a stepped system clock), whose sleeps and timers
 * return at once: for code that only reads the time (the spool). ManualClock is the one to use
 * when something sleeps.
 */
export class SettableClock implements Clock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
  timer(_ms: number, fn: () => void): () => void {
    queueMicrotask(fn);
    return () => undefined;
  }
}

/** A seeded Random (mulberry32): the same seed gives the same sequence in [0, 1). */
export function seededRandom(seed = 1): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
