// max_message_rate for a broker hook: records per second at most, KumoMTA's name, with the same
// token bucket as the HTTP sink's (deliver/rate-limit.ts). A request waits for as many tokens as
// it has records before any of its messages is published.
import { Throttle, TokenBucket } from '../deliver/rate-limit.js';
import type { SinkOutcome } from '../deliver/sink.js';
import { systemClock, type Clock } from '../util/clock.js';
import { UsageError } from '../util/errors.js';

/** A request that was never published because the sink closed while it waited for its rate. */
export const NOT_SENT: SinkOutcome = Object.freeze({
  verdict: 'retry', explicit: false, kind: 'transient', disposition: 'not sent: loghook stopped while the request waited for its rate',
  failureKey: 'not-sent', retryAfterMs: null, signal: 'up', endpointLevel: null,
});

/** The throttle of `maxMessageRate` records/s, or null when there is no limit. Throws UsageError. */
export function messageRate(maxMessageRate: number | undefined, clock: Clock = systemClock): Throttle | null {
  if (maxMessageRate === undefined) return null;
  if (!(maxMessageRate > 0 && Number.isFinite(maxMessageRate))) throw new UsageError(`max_message_rate must be a positive rate, got ${maxMessageRate}`);
  return Throttle.of(new TokenBucket(maxMessageRate, clock.now()), clock);
}
