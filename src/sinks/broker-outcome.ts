// The outcome of a request published as several messages (one per routing key or subject,
// broker-groups.ts), in the delivery engine's words. The engine gives a request one outcome
// (deliver/sink.ts), so a request is delivered only when every one of its messages is confirmed;
// otherwise it is one failure, chosen so that nothing is lost:
//
//   some message too large        too-large: the dispatcher splits the request and sends the
//                                 halves (down to single records; only a single record too large
//                                 is final)
//   else some message to retry    retry: the whole request goes again; its confirmed messages are
//                                 published again, their records under the same event ids
//                                 (loghook-event-ids / Loghook-Event-Ids, and the same message id
//                                 when the retry carries the same records)
//   else (every failure final)    final: the request's records go to the dead letters, the
//                                 confirmed ones too (the disposition says how many); only an
//                                 operator's final_on makes a broker answer other than "too
//                                 large" final
//
// The endpoint signal is `up` when any message was confirmed: the broker is there, one key is not.
import { DELIVERED_OUTCOME, type SinkOutcome } from '../deliver/sink.js';
import type { SinkRequest } from '../deliver/sink.js';
import type { Throttle } from '../deliver/rate-limit.js';
import { partition, type BrokerMessage } from './broker-groups.js';
import type { KeyOf } from './broker-fields.js';
import { NOT_SENT } from './broker-rate.js';
import type { BrokerBodies, MessageBody } from './broker-body.js';

export interface MessageOutcome {
  message: BrokerMessage;
  outcome: SinkOutcome;
}

export function requestOutcome(parts: readonly MessageOutcome[], keyName: 'routing key' | 'subject'): SinkOutcome {
  if (parts.length === 1) return parts[0]!.outcome;
  const failed = parts.filter((p) => p.outcome.verdict !== 'delivered');
  if (failed.length === 0) return DELIVERED_OUTCOME;
  const chosen = failed.find((p) => p.outcome.kind === 'too-large') ?? failed.find((p) => p.outcome.verdict === 'retry') ?? failed[0]!;
  const o = chosen.outcome;
  const confirmed = parts.length - failed.length;
  const confirmedRecords = parts.reduce((n, p) => (p.outcome.verdict === 'delivered' ? n + p.message.records : n), 0);
  let said = `${keyName} "${chosen.message.key}": ${o.disposition ?? o.failureKey}`;
  if (failed.length > 1) said += ` (${failed.length} of the request's ${parts.length} messages failed)`;
  if (confirmed > 0) {
    said +=
      o.kind === 'too-large' ? `; the request is split, and its ${confirmedRecords} records already confirmed under other keys are published again`
      : o.verdict === 'retry' ? `; ${confirmedRecords} records confirmed under other keys are published again with the rest`
      : `; final for the whole request: its ${confirmedRecords} records confirmed under other keys are dead-lettered with it`;
  }
  let retryAfterMs: number | null = null;
  for (const p of failed) if (p.outcome.retryAfterMs !== null) retryAfterMs = Math.max(retryAfterMs ?? 0, p.outcome.retryAfterMs);
  return { ...o, disposition: said, retryAfterMs, signal: confirmed > 0 ? 'up' : o.signal };
}

/**
 * A broker sink's send, the same for every broker: wait for max_message_rate, one message per
 * rendered key, every message's body built (broker-body.ts: a request that cannot be shaped is
 * refused before anything is published), each published; the request's outcome combines theirs.
 * `failed` says what an unexpected error while partitioning or building means in this broker's words.
 */
export async function sendPartitioned(
  req: SinkRequest,
  o: { rate: Throttle | null; key: KeyOf; keyName: 'routing key' | 'subject'; bodies: BrokerBodies; publish(m: BrokerMessage, body: MessageBody): Promise<SinkOutcome>; failed(err: unknown): SinkOutcome },
): Promise<SinkOutcome> {
  if (o.rate && !(await o.rate.wait(req.records))) return NOT_SENT;
  let messages: BrokerMessage[];
  let bodies: MessageBody[];
  try {
    messages = partition(req, o.key);
    const built = o.bodies.build(req, messages);
    if ('refused' in built) return built.refused;
    bodies = built;
  } catch (err) {
    return o.failed(err);
  }
  if (messages.length === 1) return o.publish(messages[0]!, bodies[0]!);
  const outcomes = await Promise.all(messages.map((m, i) => o.publish(m, bodies[i]!)));
  return requestOutcome(messages.map((message, i) => ({ message, outcome: outcomes[i]! })), o.keyName);
}
