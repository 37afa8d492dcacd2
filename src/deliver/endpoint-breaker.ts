// The endpoint as a whole backs off when its receiver is down, so loghook does not hammer it with
// every due record at full concurrency (KumoMTA's per-message backoff alone would).
//
//   closed   full concurrency. A transport error (refused, reset, timeout, DNS) opens the breaker
//            at once; so does a streak of 5 transient responses (5xx, 408, 429) in a row.
//   open     nothing is sent until the probe time; then ONE request (a normal batch) goes out.
//   probing  that one request is in flight; nothing else starts.
// The probe interval starts at 1 s and doubles on every failed probe, up to the cap (the retry
// interval, 1 minute by default). A Retry-After on a failure (the probe's, or one still in flight
// when the breaker opened) is honoured for the next probe, up to max_retry_interval (20 minutes by
// default): the doubling cap is loghook's own guess, Retry-After is the receiver's word.
// The first success (any response that is not transient, even a final 4xx: the receiver is up)
// closes the breaker and restores full concurrency. Pure: time comes in as `now`.

export type BreakerState = 'closed' | 'open' | 'probing';

/** What a finished request says about the endpoint. */
export type EndpointSignal = 'up' | 'transient' | 'unreachable';

export interface BreakerOptions {
  /** first probe interval (default 1 s) */
  initialIntervalMs?: number;
  /** the interval stops doubling here (default 60 s) */
  maxIntervalMs?: number;
  /** transient responses in a row that open the breaker (default 5) */
  failureThreshold?: number;
  /** a Retry-After postpones the next probe up to this (default: maxIntervalMs) */
  maxRetryAfterMs?: number;
}

export class EndpointBreaker {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly threshold: number;
  private readonly maxRetryAfterMs: number;
  private isOpen = false;
  private streak = 0;
  private intervalMs: number;
  private probeAt = 0;
  private probeInFlight = false;
  /** no probe before this: the longest Retry-After heard since the last success */
  private quietUntil = 0;

  constructor(opts: BreakerOptions = {}) {
    this.initialMs = Math.max(1, opts.initialIntervalMs ?? 1000);
    this.maxMs = Math.max(this.initialMs, opts.maxIntervalMs ?? 60_000);
    this.threshold = Math.max(1, opts.failureThreshold ?? 5);
    this.maxRetryAfterMs = Math.max(this.maxMs, opts.maxRetryAfterMs ?? this.maxMs);
    this.intervalMs = this.initialMs;
  }

  get state(): BreakerState {
    if (!this.isOpen) return 'closed';
    return this.probeInFlight ? 'probing' : 'open';
  }

  /** How many requests may start now, given those in flight and the configured concurrency. */
  capacity(now: number, inFlight: number, concurrency: number): number {
    if (!this.isOpen) return Math.max(0, concurrency - inFlight);
    return !this.probeInFlight && now >= this.probeAt && inFlight < concurrency ? 1 : 0;
  }

  /** Call when a request starts; returns true when it is the probe (pass it back to requestEnded). */
  begin(now: number): boolean {
    if (!this.isOpen || this.probeInFlight || now < this.probeAt) return false;
    this.probeInFlight = true;
    return true;
  }

  /**
   * Records the end of a request. Returns 'opened' when the endpoint just became unavailable,
   * 'recovered' when it just came back, null when nothing changed.
   */
  requestEnded(now: number, signal: EndpointSignal, wasProbe: boolean, retryAfterMs: number | null = null): 'opened' | 'recovered' | null {
    if (wasProbe) this.probeInFlight = false;
    if (signal === 'up') {
      this.streak = 0;
      this.quietUntil = 0;
      if (!this.isOpen) return null;
      this.isOpen = false;
      this.intervalMs = this.initialMs;
      return 'recovered';
    }
    if (this.isOpen) {
      // Only the probe's failure moves the interval: requests that were already in flight when
      // the breaker opened say nothing new about it.
      if (wasProbe) {
        this.intervalMs = Math.min(this.maxMs, this.intervalMs * 2);
        this.schedule(now, retryAfterMs);
      } else if (retryAfterMs !== null) {
        // but a receiver asking for quiet is heard whichever request it answered
        this.quiet(now, retryAfterMs);
        this.probeAt = Math.max(this.probeAt, this.quietUntil);
      }
      return null;
    }
    this.streak++;
    this.quiet(now, retryAfterMs);
    if (signal === 'unreachable' || this.streak >= this.threshold) {
      this.isOpen = true;
      this.intervalMs = this.initialMs;
      this.schedule(now, retryAfterMs);
      return 'opened';
    }
    return null;
  }

  /** When the next probe may start (only while open and no probe is in flight), else null. */
  nextProbeAt(): number | null {
    return this.isOpen && !this.probeInFlight ? this.probeAt : null;
  }

  /** The receiver asked for `retryAfterMs` of quiet: no probe before then (capped). */
  private quiet(now: number, retryAfterMs: number | null): void {
    if (retryAfterMs !== null) this.quietUntil = Math.max(this.quietUntil, now + Math.min(retryAfterMs, this.maxRetryAfterMs));
  }

  private schedule(now: number, retryAfterMs: number | null): void {
    this.quiet(now, retryAfterMs);
    this.probeAt = Math.max(now + this.intervalMs, this.quietUntil);
  }
}
