// What the outcome of one request does to its rows and to the endpoint breaker:
//   delivered (2xx)  ack the rows
//   final            bury every record as 'final' with the disposition
//   retry            every record gets its own jittered due time, not before Retry-After; a row
//                    whose earliest next try falls after createdAt + max age is buried 'expired'
import type { QueuedMessage } from '../spool/types.js';
import type { Random } from '../util/clock.js';
import type { HttpOutcome } from './http-client.js';
import type { QueuePort } from './queue-port.js';
import { classify, dispositionOf, failureKey, type PolicyOverrides } from './policy.js';
import { parseRetryAfter, retryDueAts, type BackoffOptions } from './backoff.js';
import type { EndpointBreaker } from './endpoint-breaker.js';
import type { OutcomeLog } from './outcome-log.js';

export interface OutcomeContext {
  queue: QueuePort;
  policy: PolicyOverrides;
  backoff: BackoffOptions;
  random: Random;
  maxAgeMs: number;
  breaker: EndpointBreaker;
  log: OutcomeLog;
}

/** Records per result, and the failure's disposition (null when delivered). */
export interface AppliedOutcome {
  delivered: number;
  retried: number;
  dead: number;
  expired: number;
  disposition: string | null;
}

export function applyOutcome(
  ctx: OutcomeContext,
  rows: readonly QueuedMessage[],
  records: number,
  outcome: HttpOutcome,
  isProbe: boolean,
  now: number,
): AppliedOutcome {
  const verdict = classify(outcome, ctx.policy);
  const retryAfterMs = outcome.kind === 'response' ? parseRetryAfter(outcome.headers['retry-after'], now) : null;
  const signal = verdict !== 'retry' ? 'up' : outcome.kind === 'error' ? 'unreachable' : 'transient';
  const change = ctx.breaker.settle(now, signal, isProbe, retryAfterMs);
  const out: AppliedOutcome = { delivered: 0, retried: 0, dead: 0, expired: 0, disposition: null };
  try {
    if (verdict === 'delivered') {
      ctx.queue.ack(rows.map((r) => r.rowId));
      out.delivered = records;
      ctx.log.success(now);
      return out;
    }
    const disposition = (out.disposition = dispositionOf(outcome));
    if (verdict === 'final') {
      for (const row of rows) ctx.queue.bury(row, disposition, 'final', now);
      out.dead = records;
      ctx.log.failure(now, failureKey(outcome), 'final', disposition, records);
      return out;
    }
    for (const row of rows) {
      const dueAts = retryDueAts(row.ends.length, row.attempts + 1, now, ctx.backoff, ctx.random, retryAfterMs);
      let earliest = Infinity;
      for (const t of dueAts) if (t < earliest) earliest = t;
      if (earliest > row.createdAt + ctx.maxAgeMs) {
        ctx.queue.bury(row, disposition, 'expired', now);
        out.expired += row.ends.length;
      } else {
        ctx.queue.retry(row, dueAts, disposition, now);
        out.retried += row.ends.length;
      }
    }
    if (out.retried > 0) ctx.log.failure(now, failureKey(outcome), 'retry', disposition, out.retried);
    if (out.expired > 0) ctx.log.failure(now, 'expired', 'expired', disposition, out.expired);
    return out;
  } finally {
    // after the outcome's own line, so the log reads in cause-and-effect order
    if (change === 'opened') ctx.log.breakerOpened(ctx.breaker.nextProbeAt()! - now);
    if (change === 'recovered') ctx.log.breakerClosed();
  }
}
