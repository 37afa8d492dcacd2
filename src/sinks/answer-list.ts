// `retry_on` / `final_on` for a broker: lists of the answer names its policy table knows, and
// what every broker's policy table shares: a row per answer, turned into the engine's outcome
// with the operator's overrides applied.
import { UsageError } from '../util/errors.js';
import type { EndpointSignal, FailureKind, SinkOutcome, Verdict } from '../deliver/sink.js';

/** One row of a broker's policy table (amqp/policy.ts, nats/policy.ts), before overrides. */
export interface AnswerRow<A extends string> {
  answer: A;
  verdict: Verdict;
  kind: FailureKind;
  signal: EndpointSignal;
  endpointLevel: number | null;
  disposition: string;
  failureKey: string;
}

export interface AnswerOverrides<A extends string> {
  retryOn?: readonly A[];
  finalOn?: readonly A[];
}

/** A row as the delivery engine's outcome: retry_on wins over final_on, either makes it explicit. */
export function outcomeOfRow<A extends string>(row: AnswerRow<A>, overrides?: AnswerOverrides<A>): SinkOutcome {
  let verdict = row.verdict;
  let explicit = false;
  if (overrides?.retryOn?.includes(row.answer)) {
    verdict = 'retry';
    explicit = true;
  } else if (overrides?.finalOn?.includes(row.answer)) {
    verdict = 'final';
    explicit = true;
  }
  return {
    verdict, explicit, kind: row.kind, disposition: row.disposition.replace(/\s+/g, ' ').trim(), failureKey: row.failureKey,
    retryAfterMs: null, signal: row.signal, endpointLevel: row.endpointLevel,
  };
}

/** Parses `nack, returned` (commas and/or spaces) against `names`. Throws UsageError naming the bad item. */
export function parseAnswerList<T extends string>(text: string, names: readonly T[], what: string, name: string): T[] {
  const out: T[] = [];
  for (const item of text.split(/[\s,]+/)) {
    if (item === '') continue;
    if (!(names as readonly string[]).includes(item)) throw new UsageError(`${name}: "${item}" is not ${what} (use ${names.join(', ')})`);
    out.push(item as T);
  }
  return out;
}
