// What the outcome of one request does to its records and to the endpoint breaker:
//   delivered (2xx)  every record: delivered
//   final            every record: dead, 'final', with the disposition
//   retry            every record gets its own jittered due time, not before Retry-After; a record
//                    whose next try would fall after its row's createdAt + max age: dead, 'expired'
// A record's result waits in its ClaimedRow; the row's outcome goes to the queue, in one call, when
// the request that carried its last record ends.
import type { Random } from '../util/clock.js';
import type { SinkOutcome } from './sink.js';
import type { QueuePort, RecordResult } from './queue-port.js';
import type { BatchSlice } from './batcher.js';
import { DELIVERED, type ClaimedRow } from './claimed-row.js';
import { expiresAt, retryDueAts, type BackoffOptions } from './backoff.js';
import type { EndpointBreaker } from './endpoint-breaker.js';
import type { OutcomeLog } from './outcome-log.js';
import type { MisconfigGuard } from './misconfig-guard.js';

export interface OutcomeContext {
  queue: QueuePort;
  backoff: BackoffOptions;
  random: Random;
  maxAgeMs: number;
  breaker: EndpointBreaker;
  log: OutcomeLog;
  /** told when a row got its outcome (every record has a result) */
  applied?: (row: ClaimedRow) => void;
  /** turns a streak of identical endpoint-level final answers (404, 401, ...) into retries */
  guard?: MisconfigGuard;
}

/** Records per result, and the failure's disposition (null when delivered). */
export interface AppliedOutcome {
  delivered: number;
  retried: number;
  dead: number;
  expired: number;
  disposition: string | null;
}

const delivered = () => DELIVERED;

export function applyOutcome(
  ctx: OutcomeContext,
  slices: readonly BatchSlice<ClaimedRow>[],
  records: number,
  outcome: SinkOutcome,
  isProbe: boolean,
  now: number,
): AppliedOutcome {
  let { verdict, signal } = outcome;
  const { retryAfterMs } = outcome;
  if (verdict === 'delivered') ctx.guard?.success();
  else if (verdict === 'retry') ctx.guard?.failure();
  // An operator's explicit final_on is taken at its word; the guard only second-guesses defaults.
  if (verdict === 'final' && ctx.guard && !outcome.explicit) {
    const retried = slices.some((s) => s.msg.attempts > 0);
    const seen = ctx.guard.finalAnswer(outcome.endpointLevel, retried);
    if (seen === 'engaged') ctx.log.misconfigured(String(outcome.endpointLevel ?? outcome.failureKey));
    if (seen !== 'final') {
      verdict = 'retry';
      signal = 'transient';
    }
  }
  const change = ctx.breaker.requestEnded(now, signal, isProbe, retryAfterMs);
  const out: AppliedOutcome = { delivered: 0, retried: 0, dead: 0, expired: 0, disposition: null };
  try {
    if (verdict === 'delivered') {
      for (const s of slices) give(ctx, s, now, delivered);
      out.delivered = records;
      ctx.log.success(now, records);
      return out;
    }
    const disposition = (out.disposition = outcome.disposition ?? outcome.failureKey);
    if (verdict === 'final') {
      const dead: RecordResult = { kind: 'dead', reason: 'final', disposition };
      for (const s of slices) give(ctx, s, now, () => dead);
      out.dead = records;
      ctx.log.failure(now, outcome.failureKey, 'final', disposition, records);
      return out;
    }
    const expired: RecordResult = { kind: 'dead', reason: 'expired', disposition };
    for (const s of slices) {
      const { msg } = s.row;
      const dueAts = retryDueAts(s.to - s.from, msg.attempts + 1, now, ctx.backoff, ctx.random, retryAfterMs);
      const expires = expiresAt(msg.createdAt, ctx.maxAgeMs);
      give(ctx, s, now, (i) => {
        const dueAt = dueAts[i - s.from]!;
        if (dueAt > expires) {
          out.expired++;
          return expired;
        }
        out.retried++;
        return { kind: 'retry', dueAt, disposition };
      });
    }
    if (out.retried > 0) ctx.log.failure(now, outcome.failureKey, 'retry', disposition, out.retried);
    if (out.expired > 0) ctx.log.failure(now, 'expired', 'expired', disposition, out.expired);
    return out;
  } finally {
    // after the outcome's own line, so the log reads in cause-and-effect order
    if (change === 'opened') ctx.log.breakerOpened(now, ctx.breaker.nextProbeAt()! - now);
    if (change === 'recovered') ctx.log.breakerClosed(now);
  }
}

/** Gives each record of the slice its result; the row's outcome goes to the queue once complete. */
function give(ctx: OutcomeContext, s: BatchSlice<ClaimedRow>, now: number, resultOf: (i: number) => RecordResult): void {
  let complete = false;
  for (let i = s.from; i < s.to; i++) complete = s.row.set(i, resultOf(i));
  if (complete) {
    s.row.apply(ctx.queue, now);
    ctx.applied?.(s.row);
  }
}
