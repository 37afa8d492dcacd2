// What a sink answers for a shaped request it does not send, in the engine's words: the same
// for every protocol, so that a broker sink taking a shaped body (src/sinks/amqp, nats) answers
// as the HTTP sink does.
import type { SinkOutcome } from '../deliver/sink.js';

const outcome = (o: Pick<SinkOutcome, 'verdict' | 'kind' | 'disposition' | 'failureKey'>): SinkOutcome => ({
  ...o, explicit: false, retryAfterMs: null, signal: 'up', endpointLevel: null,
});

/**
 * A record that cannot be shaped (a template error, a line that is not JSON) is deterministic:
 * retrying cannot help until the operator fixes the template. In a batch, the request is split
 * like a 413 (nothing is final yet, nothing is charged a retry), so that every other record goes;
 * alone, the record is final: it goes to the dead letters with a disposition naming its event
 * id and the template's line, where `loghook dead requeue` sends it again once the template is
 * fixed. Retrying it instead would only log the same error until max_age.
 */
export function refusal(records: number, eventId: string, reason: string): SinkOutcome {
  if (records > 1) return outcome({ verdict: 'retry', kind: 'too-large', disposition: `event ${eventId} cannot be shaped (${reason}): the batch is split so that the others go`, failureKey: 'shape:split' });
  return outcome({ verdict: 'final', kind: 'rejected', disposition: `not sent: event ${eventId} cannot be shaped: ${reason}`, failureKey: 'shape:failed' });
}

/** A shaped body of several records over max_batch_bytes: split it, as after a 413. */
export function tooLargeShaped(bytes: number, maxBatchBytes: number): SinkOutcome {
  return outcome({ verdict: 'retry', kind: 'too-large', disposition: `the shaped body is ${bytes} bytes, over max_batch_bytes ${maxBatchBytes}: split`, failureKey: 'shape:too-large' });
}
