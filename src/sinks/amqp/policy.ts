// The AMQP answer POLICY: what each broker answer means to the delivery engine. A pure table.
//
//   answer                                   verdict    kind         signal       endpointLevel
//   ack                                      delivered  -            up           -
//   ack after basic.return (mandatory:       retry      config       up           312
//     no queue bound for the routing key)
//   nack (a queue's reject-publish overflow, retry      transient    transient    -
//     an internal broker error)
//   channel closed 406 "message size N is    final      too-large    up           -
//     larger than configured max size" (N =
//     this message's size)
//   channel closed by another message's      retry      transient    up           -
//     error (collateral: same channel)
//   channel closed 404 (no such exchange),   retry      config       transient    404 / 403
//     403 (no write permission)
//   channel or connection closed by the      retry      transient    transient    -
//     broker, any other code (320 forced...)
//   connection lost (reset, EOF, heartbeat)  retry      unreachable  unreachable  -
//   cannot connect: refused, DNS, timeout    retry      unreachable  unreachable  -
//   cannot connect: login refused (403),     retry      config       unreachable  403 / 530
//     vhost refused (530), TLS certificate
//   no confirm within timeout (the broker    retry      timeout      transient    -
//     not blocking us)
//
// A broker answer about the endpoint or its configuration (an unroutable key, a missing exchange,
// a refused login) keeps the records queued and retried on the hook's schedule until it is fixed
// or they reach max_age: the disposition says what to fix. A connection.blocked (memory or disk
// alarm) is no answer at all: the send waits (client.ts). Operators move answers between retry
// and final with retry_on / final_on lists of the names below, as HTTP's take statuses; an ack is
// always delivered.
import { outcomeOfRow, parseAnswerList, type AnswerOverrides, type AnswerRow } from '../answer-list.js';
import { DELIVERED_OUTCOME, type SinkOutcome } from '../../deliver/sink.js';
import type { PublishResult } from './client.js';

export const AMQP_ANSWERS = ['returned', 'nack', 'too-large', 'not-found', 'access-refused', 'closed', 'unreachable', 'refused', 'timeout'] as const;
export type AmqpAnswer = (typeof AMQP_ANSWERS)[number];

export type AmqpPolicyOverrides = AnswerOverrides<AmqpAnswer>;

/** Parses `nack, returned` (commas and/or spaces). Throws UsageError naming the bad item. */
export function parseAmqpAnswers(text: string, name = 'answer list'): AmqpAnswer[] {
  return parseAnswerList(text, AMQP_ANSWERS, 'an AMQP answer', name);
}

type Row = AnswerRow<AmqpAnswer>;

const TOO_LARGE = /message size (\d+) is larger than/;

/** The table above, before overrides. `bodyBytes`: the size of the message this result is for. */
export function judge(r: Exclude<PublishResult, { kind: 'ack' }>, bodyBytes: number, confirmTimeoutMs: number): Row {
  switch (r.kind) {
    case 'returned':
      return {
        answer: 'returned', verdict: 'retry', kind: 'config', signal: 'up', endpointLevel: r.replyCode,
        disposition: `${r.replyCode} ${r.replyText}: exchange "${r.exchange}" routes routing key "${r.routingKey}" to no queue (bind a queue or fix routing_key)`,
        failureKey: `amqp:returned:${r.routingKey}`,
      };
    case 'nack':
      return {
        answer: 'nack', verdict: 'retry', kind: 'transient', signal: 'transient', endpointLevel: null,
        disposition: 'nack: the broker did not take the message (a full queue with overflow reject-publish, or a broker error)',
        failureKey: 'amqp:nack',
      };
    case 'closed': {
      const said = `${r.code} ${r.text}`;
      const m = TOO_LARGE.exec(r.text);
      if (r.code === 406 && m) {
        return Number(m[1]) === bodyBytes
          ? { answer: 'too-large', verdict: 'final', kind: 'too-large', signal: 'up', endpointLevel: null, disposition: said, failureKey: 'amqp:406:too-large' }
          : { answer: 'closed', verdict: 'retry', kind: 'transient', signal: 'up', endpointLevel: null, disposition: `channel closed by another message: ${said}`, failureKey: 'amqp:collateral' };
      }
      if (r.scope === 'channel' && (r.code === 404 || r.code === 403)) {
        return {
          answer: r.code === 404 ? 'not-found' : 'access-refused', verdict: 'retry', kind: 'config', signal: 'transient', endpointLevel: r.code,
          disposition: `${said} (check exchange and the user's permissions)`, failureKey: `amqp:${r.code}`,
        };
      }
      return { answer: 'closed', verdict: 'retry', kind: 'transient', signal: 'transient', endpointLevel: null, disposition: `${r.scope} closed by the broker: ${said}`, failureKey: `amqp:${r.code}` };
    }
    case 'lost':
      return {
        answer: 'unreachable', verdict: 'retry', kind: 'unreachable', signal: 'unreachable', endpointLevel: null,
        disposition: `connection error: ${r.code} ${r.message}`.trimEnd(), failureKey: `error:${r.code}`,
      };
    case 'connect-failed': {
      const tls = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|ALTNAME/.test(r.code);
      if (r.replyCode !== null || tls) {
        const hint = r.replyCode === 403 ? ' (check the user and password)' : r.replyCode === 530 ? ' (check the vhost and the user\'s permissions on it)' : tls ? ' (check ca_file, client_cert, client_key and the host name)' : '';
        return {
          answer: 'refused', verdict: 'retry', kind: 'config', signal: 'unreachable', endpointLevel: r.replyCode,
          disposition: `connection refused: ${r.replyCode ?? r.code} ${r.text}${hint}`, failureKey: `amqp:connect:${r.replyCode ?? r.code}`,
        };
      }
      return {
        answer: 'unreachable', verdict: 'retry', kind: /TIMEDOUT|TIMEOUT/i.test(r.code) ? 'timeout' : 'unreachable', signal: 'unreachable', endpointLevel: null,
        disposition: `connection error: ${r.code} ${r.text}`.trimEnd(), failureKey: `error:${r.code}`,
      };
    }
    case 'timeout':
      return {
        answer: 'timeout', verdict: 'retry', kind: 'timeout', signal: 'transient', endpointLevel: null,
        disposition: `timeout: no confirm from the broker within ${Math.round(confirmTimeoutMs / 1000)}s`, failureKey: 'amqp:timeout',
      };
  }
}

/** A publish result in the delivery engine's words. */
export function amqpOutcome(r: PublishResult, bodyBytes: number, confirmTimeoutMs: number, overrides?: AmqpPolicyOverrides): SinkOutcome {
  return r.kind === 'ack' ? DELIVERED_OUTCOME : outcomeOfRow(judge(r, bodyBytes, confirmTimeoutMs), overrides);
}
