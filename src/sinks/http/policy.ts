// The retry POLICY: which outcome means what. A pure table, apart from the retry mechanism
// (backoff.ts) and from the endpoint breaker.
//
//   2xx                               delivered (always; overrides cannot change it)
//   408, 429, 500, 502, 503, 504      retry
//   any other 5xx except 501, 505     retry   (KumoMTA-like: a server error is transient)
//   501, 505                          final   (they describe what the server can do, not its state)
//   3xx                               retry, kind config: redirects are not followed; the records
//                                     stay queued and the disposition names the Location to put
//                                     in the url
//   413, 431 for a batch              retry, kind too-large: the batch must be split (the
//                                     dispatcher splits); for a single record: final
//   any other 4xx (400, 404...)       final
//   transport error (refused, reset,  retry
//     timeout, DNS)
//   certificate and proxy failures    retry, kind config (connect-failures.ts), also nginx's 400
//                                     for a missing or refused client certificate
//   415 (with 401, 403, 404, ...)     final, but endpoint-level: the misconfiguration guard
//
// KumoMTA's new_json treats every non-2xx as permanent and never retries: loghook retries what
// can get better by waiting. Operators adjust with --retry-on / --final-on, lists of statuses
// (`429`), classes (`4xx`) or ranges (`500-504`). When several items match, the narrowest one
// wins (`--retry-on 4xx --final-on 404` makes 404 final and every other 4xx a retry); on a tie
// between --retry-on and --final-on, retry wins (records still expire at --max-age).
import { UsageError } from '../../util/errors.js';
import { parseRetryAfter } from '../../deliver/backoff.js';
import { DELIVERED_OUTCOME, type SinkOutcome, type Verdict } from '../../deliver/sink.js';
import { redactUrl } from '../../telemetry/logger.js';
import type { HttpOutcome } from './client.js';
import { clientCertificateAnswer, configFailureOf } from './connect-failures.js';

export type { Verdict };

/** Statuses that say "this endpoint or these credentials are wrong", not "this record is bad":
 * a streak of identical ones engages the misconfiguration guard (deliver/misconfig-guard.ts). */
const ENDPOINT_STATUSES = new Set([401, 403, 404, 405, 407, 410, 415, 421]);

export interface StatusRange {
  from: number;
  to: number;
  /** the item as the operator wrote it */
  text: string;
}

export interface PolicyOverrides {
  retryOn?: readonly StatusRange[];
  finalOn?: readonly StatusRange[];
}

/** Parses `429, 5xx 500-504` (commas and/or spaces). Throws UsageError naming the bad item. */
export function parseStatusList(text: string, name = 'status list'): StatusRange[] {
  const out: StatusRange[] = [];
  for (const item of text.split(/[\s,]+/)) {
    if (item === '') continue;
    const bad = (why: string) =>
      new UsageError(`${name}: "${item}" ${why} (use statuses like 429, classes like 5xx, ranges like 500-504)`);
    let from: number;
    let to: number;
    let m: RegExpExecArray | null;
    if ((m = /^([1-5])xx$/i.exec(item))) {
      from = Number(m[1]) * 100;
      to = from + 99;
    } else if ((m = /^(\d{3})-(\d{3})$/.exec(item))) {
      from = Number(m[1]);
      to = Number(m[2]);
      if (from > to) throw bad('is an empty range');
    } else if (/^\d{3}$/.test(item)) {
      from = to = Number(item);
    } else {
      throw bad('is not an HTTP status');
    }
    if (from < 100 || to > 599) throw bad('is outside 100-599');
    if (from <= 299 && to >= 200) throw bad('includes 2xx, which always counts as delivered');
    out.push({ from, to, text: item });
  }
  return out;
}

/** The default table for a status, without overrides (`records`: how many the request held). */
export function defaultVerdict(status: number, records = 1): Verdict {
  if (status >= 200 && status <= 299) return 'delivered';
  if (status === 408 || status === 429) return 'retry';
  if (status >= 300 && status <= 399) return 'retry';
  if (status === 413 || status === 431) return records > 1 ? 'retry' : 'final';
  if (status >= 500 && status <= 599) return status === 501 || status === 505 ? 'final' : 'retry';
  return 'final';
}

export function classifyStatus(status: number, overrides?: PolicyOverrides, records = 1): Verdict {
  return judgeStatus(status, overrides, records).verdict;
}

/** The verdict for a status, and whether an override named it (then the guard leaves it be). */
function judgeStatus(status: number, overrides?: PolicyOverrides, records = 1): { verdict: Verdict; explicit: boolean } {
  if (status >= 200 && status <= 299) return { verdict: 'delivered', explicit: false };
  const r = narrowest(overrides?.retryOn, status);
  const f = narrowest(overrides?.finalOn, status);
  if (r !== null && (f === null || r <= f)) return { verdict: 'retry', explicit: true };
  if (f !== null) return { verdict: 'final', explicit: true };
  return { verdict: defaultVerdict(status, records), explicit: false };
}

/** An HTTP outcome in the delivery engine's words (`records`: how many the request held). */
export function sinkOutcomeOf(outcome: HttpOutcome, overrides: PolicyOverrides | undefined, now: number, records = 1): SinkOutcome {
  if (outcome.kind === 'error') {
    const config = configFailureOf(outcome);
    if (config) {
      return { verdict: 'retry', explicit: false, kind: 'config', ...config, retryAfterMs: null, signal: 'unreachable', endpointLevel: null };
    }
    return {
      verdict: 'retry',
      explicit: false,
      kind: /TIMEOUT/i.test(outcome.code) ? 'timeout' : 'unreachable',
      disposition: dispositionOf(outcome),
      failureKey: failureKey(outcome),
      retryAfterMs: null,
      signal: 'unreachable',
      endpointLevel: null,
    };
  }
  const { verdict, explicit } = judgeStatus(outcome.status, overrides, records);
  if (verdict === 'delivered') return DELIVERED_OUTCOME;
  const certificate = explicit ? null : clientCertificateAnswer(outcome);
  if (certificate) {
    return { verdict: 'retry', explicit, kind: 'config', ...certificate, retryAfterMs: null, signal: 'unreachable', endpointLevel: outcome.status };
  }
  const s = outcome.status;
  const redirect = s >= 300 && s <= 399;
  const tooLarge = s === 413 || s === 431;
  return {
    verdict,
    explicit,
    kind: tooLarge ? 'too-large' : redirect ? 'config' : verdict === 'retry' ? 'transient' : 'rejected',
    disposition: redirect ? redirectDisposition(outcome) : dispositionOf(outcome),
    failureKey: failureKey(outcome),
    retryAfterMs: parseRetryAfter(outcome.headers['retry-after'], now),
    // A redirect answers every request alike: back off to probes. A batch too large says the
    // receiver is up (the smaller requests of the split go out at once).
    signal: redirect && verdict === 'retry' ? 'unreachable' : verdict === 'retry' && !tooLarge ? 'transient' : 'up',
    endpointLevel: ENDPOINT_STATUSES.has(s) || redirect ? s : null,
  };
}

/** `301 Moved Permanently: redirects are not followed: set the url to https://... (Location)`. */
function redirectDisposition(outcome: Extract<HttpOutcome, { kind: 'response' }>): string {
  const head = `${outcome.status} ${outcome.statusText}`.trimEnd();
  const raw = outcome.headers['location'];
  const location = Array.isArray(raw) ? raw[0] : raw;
  if (!location) return `${head}: redirects are not followed, and the answer names no Location: check the url`;
  // An absolute Location may carry credentials: masked; a relative one is shown as sent.
  const shown = (/^[a-z][a-z0-9+.-]*:/i.test(location) ? redactUrl(location) : location).replace(/\s+/g, '').slice(0, 200);
  return `${head}: redirects are not followed: set the url to where the receiver points (Location: ${shown})`;
}

/** delivered | retry | final for one request's outcome. */
export function classify(outcome: HttpOutcome, overrides?: PolicyOverrides): Verdict {
  return outcome.kind === 'error' ? 'retry' : classifyStatus(outcome.status, overrides);
}

/** Width of the narrowest range matching `status`, or null. */
function narrowest(ranges: readonly StatusRange[] | undefined, status: number): number | null {
  let best: number | null = null;
  if (!ranges) return best;
  for (const r of ranges) {
    if (status >= r.from && status <= r.to && (best === null || r.to - r.from < best)) best = r.to - r.from;
  }
  return best;
}

/**
 * KumoMTA-style disposition: `503 Service Unavailable: <response body, truncated>` or
 * `connection error: ECONNREFUSED <message>`. One line: whitespace runs become one space.
 */
export function dispositionOf(outcome: HttpOutcome): string {
  if (outcome.kind === 'error') {
    return `connection error: ${outcome.code} ${oneLine(outcome.message)}`.trimEnd();
  }
  const head = `${outcome.status} ${outcome.statusText}`.trimEnd();
  const body = oneLine(outcome.bodySnippet);
  return body ? `${head}: ${body}` : head;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** A short key for "the same kind of failure" (for logging changes, not every request). */
export function failureKey(outcome: HttpOutcome): string {
  return outcome.kind === 'error' ? `error:${outcome.code}` : `status:${outcome.status}`;
}
