// The retry MECHANISM: when a transiently failed record is tried again, and when it gives up.
// KumoMTA's hook queue defaults and names:
//   retry_interval      1 minute: the wait after the first failed attempt
//   max_retry_interval  20 minutes: the doubling stops here
//   max_age             7 days: counted from when loghook first queued the record
// The wait after attempt n is min(retry_interval x 2^(n-1), max_retry_interval), then jittered
// uniformly by +-20% (so the capped wait is 16-24 minutes). Every record of a failed batch draws
// its own jitter, so the batch scatters and a poison record stops dragging its neighbours along.
// A Retry-After header (seconds or HTTP-date) is a floor: the record is not due before it.
// A record whose next due time would fall after createdAt + max_age expires instead of waiting.
import { HOOK_DEFAULTS } from '../config/defaults.js';

export interface BackoffOptions {
  retryIntervalMs?: number;
  maxRetryIntervalMs?: number;
  /** fraction of the wait drawn at random each way (default 0.2 = +-20%) */
  jitter?: number;
}

// The values are config/defaults.ts's, the one table (review row 10).
export const DEFAULT_RETRY_INTERVAL_MS = HOOK_DEFAULTS.retryIntervalMs;
const DEFAULT_MAX_RETRY_INTERVAL_MS = HOOK_DEFAULTS.maxRetryIntervalMs;
export const DEFAULT_MAX_AGE_MS = HOOK_DEFAULTS.maxAgeMs;
const DEFAULT_JITTER = 0.2;

/** The wait after `attempts` failed attempts (attempts >= 1), jittered with `random`. */
export function retryDelayMs(attempts: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = opts.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS;
  const cap = Math.max(base, opts.maxRetryIntervalMs ?? DEFAULT_MAX_RETRY_INTERVAL_MS);
  const jitter = opts.jitter ?? DEFAULT_JITTER;
  // 2^(n-1) overflows nothing before the cap: stop doubling once past it.
  const n = Math.max(1, Math.floor(attempts));
  const nominal = n > 40 ? cap : Math.min(cap, base * 2 ** (n - 1));
  return Math.max(1, Math.round(nominal * (1 + jitter * (2 * random() - 1))));
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds (`120`) or an HTTP-date. Null when absent
 * or unreadable (then it is ignored); a date in the past gives 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // HTTP-dates always name a weekday or month in letters: this keeps Date.parse from accepting
  // odd numeric strings such as "1.5".
  if (!/[a-z]/i.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/**
 * One due time per record of a failed message: now + its own jittered wait, and not before
 * Retry-After. `attempts` counts the attempt that just failed.
 */
export function retryDueAts(
  count: number,
  attempts: number,
  now: number,
  opts: BackoffOptions,
  random: () => number,
  retryAfterMs: number | null,
): number[] {
  const floor = retryAfterMs === null ? 0 : retryAfterMs;
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = now + Math.max(floor, retryDelayMs(attempts, opts, random));
  return out;
}

/** The moment past which a message queued at `createdAt` is expired. */
export function expiresAt(createdAt: number, maxAgeMs: number = DEFAULT_MAX_AGE_MS): number {
  return createdAt + maxAgeMs;
}
