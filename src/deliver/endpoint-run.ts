// What one endpoint's requests said during this run, for `tail --once`'s exit code
// (pipeline/run-exit.ts): did the receiver ever answer, and is its latest word that its setup is
// wrong? Protocol-free: it reads SinkOutcome kinds only.
//   answered       any outcome from the receiver itself: a delivery, any status, a broker's reply.
//                  Refused, reset, DNS, a timeout, or a TLS handshake that failed are not answers.
//   misconfigured  the latest outcome was a configuration failure (a certificate, a redirect, a
//                  client certificate refused, no route), or an endpoint-level answer (401, 403,
//                  404 ...) that the misconfiguration guard held back instead of dead-lettering.
//                  Any other outcome after it (a delivery, a 503) clears it.
import type { SinkOutcome } from './sink.js';

export interface EndpointRunStats {
  /** requests that got an outcome in this run */
  requestsDone: number;
  /** of them, those the receiver answered */
  answered: number;
  /** the disposition of the latest outcome when it says the endpoint's setup is wrong, else null */
  misconfigured: string | null;
}

export class EndpointRun {
  private done = 0;
  private answers = 0;
  private wrong: string | null = null;

  /**
   * One request's outcome; `deadRecords` is how many of its records went to the dead letters
   * (null when it was not applied to records, e.g. a batch split for being too large).
   */
  note(outcome: SinkOutcome, deadRecords: number | null): void {
    this.done++;
    if (answeredBy(outcome)) this.answers++;
    const held = outcome.verdict === 'final' && !outcome.explicit && outcome.endpointLevel !== null && deadRecords === 0;
    this.wrong = outcome.kind === 'config' || held ? (outcome.disposition ?? outcome.failureKey) : null;
  }

  stats(): EndpointRunStats {
    return { requestsDone: this.done, answered: this.answers, misconfigured: this.wrong };
  }
}

function answeredBy(o: SinkOutcome): boolean {
  if (o.verdict === 'delivered') return true;
  if (o.kind === 'unreachable' || o.kind === 'timeout') return false;
  // a configuration failure with no status came from before any answer (TLS, proxy, no route)
  return o.kind !== 'config' || o.endpointLevel !== null;
}
