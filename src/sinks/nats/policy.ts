// The NATS JetStream answer POLICY: what each answer means to the delivery engine. A pure table.
//
//   answer                                  verdict    kind         signal       endpointLevel
//   PubAck                                  delivered  -            up           -
//   PubAck duplicate (the stream already    delivered  -            up           -
//     has this Nats-Msg-Id in its window)
//   no responders: no stream captures the   retry      config       up           503
//     subject, or JetStream is off
//   stream full: 10077 maximum messages,    retry      transient    transient    -
//     10047 maximum bytes, 10078 per subject
//     (discard new)
//   10054 message size exceeds maximum      final      too-large    up           -
//     allowed (the stream's max_msg_size)
//   larger than the server's max_payload    final      too-large    up           -
//   any other JetStream API error           retry      transient    transient    -
//   permissions violation on the subject    retry      config       transient    403
//   no ack in time                          retry      timeout      transient    -
//   disconnected / reconnecting / refused   retry      unreachable  unreachable  -
//   authorization violation, TLS            retry      config       unreachable  401
//     certificate (connecting)
//
// As for AMQP, an answer about the endpoint or its configuration keeps the records queued and
// retried until it is fixed or they reach max_age. retry_on / final_on take the names below.
import { outcomeOfRow, parseAnswerList, type AnswerOverrides, type AnswerRow } from '../answer-list.js';
import { DELIVERED_OUTCOME, type SinkOutcome } from '../../deliver/sink.js';
import type { NatsPublishResult } from './client.js';

export const NATS_ANSWERS = ['no-stream', 'full', 'too-large', 'rejected', 'permission', 'timeout', 'unreachable', 'refused'] as const;
export type NatsAnswer = (typeof NATS_ANSWERS)[number];

export type NatsPolicyOverrides = AnswerOverrides<NatsAnswer>;

export function parseNatsAnswers(text: string, name = 'answer list'): NatsAnswer[] {
  return parseAnswerList(text, NATS_ANSWERS, 'a NATS answer', name);
}

type Row = AnswerRow<NatsAnswer>;

const FULL = new Set([10077, 10047, 10078, 10027, 10028]);
const TOO_LARGE = 10054;

export function judge(r: Exclude<NatsPublishResult, { kind: 'ack' }>): Row {
  switch (r.kind) {
    case 'no-stream':
      return {
        answer: 'no-stream', verdict: 'retry', kind: 'config', signal: 'up', endpointLevel: 503,
        disposition: `503 no responders: no JetStream stream captures subject "${r.subject}" (create a stream for it, or fix subject)`,
        failureKey: `nats:no-stream:${r.subject}`,
      };
    case 'api-error': {
      const said = `${r.status} ${r.description} (err_code ${r.errCode})`;
      if (r.errCode === TOO_LARGE) return { answer: 'too-large', verdict: 'final', kind: 'too-large', signal: 'up', endpointLevel: null, disposition: said, failureKey: `nats:${r.errCode}` };
      if (FULL.has(r.errCode)) return { answer: 'full', verdict: 'retry', kind: 'transient', signal: 'transient', endpointLevel: null, disposition: `stream full: ${said}`, failureKey: `nats:${r.errCode}` };
      return { answer: 'rejected', verdict: 'retry', kind: 'transient', signal: 'transient', endpointLevel: null, disposition: said, failureKey: `nats:${r.errCode}` };
    }
    case 'too-large':
      return {
        answer: 'too-large', verdict: 'final', kind: 'too-large', signal: 'up', endpointLevel: null,
        disposition: `message of ${r.bytes} bytes exceeds the server's max_payload (${r.maxPayload})`, failureKey: 'nats:max_payload',
      };
    case 'permission':
      return { answer: 'permission', verdict: 'retry', kind: 'config', signal: 'transient', endpointLevel: 403, disposition: `permissions violation: ${r.message}`, failureKey: 'nats:permission' };
    case 'timeout':
      return { answer: 'timeout', verdict: 'retry', kind: 'timeout', signal: 'transient', endpointLevel: null, disposition: `timeout: no JetStream ack within ${Math.round(r.ms / 1000)}s`, failureKey: 'nats:timeout' };
    case 'disconnected':
      return { answer: 'unreachable', verdict: 'retry', kind: 'unreachable', signal: 'unreachable', endpointLevel: null, disposition: `connection error: disconnected (${r.message})`, failureKey: 'error:DISCONNECTED' };
    case 'connect-failed': {
      const tls = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO|ALTNAME/.test(r.code) || /certificate|tls/i.test(r.message);
      if (r.auth || tls) {
        const hint = r.auth ? ' (check token, user/password, nkey_seed or creds_file)' : ' (check ca_file, client_cert, client_key and the host name)';
        return { answer: 'refused', verdict: 'retry', kind: 'config', signal: 'unreachable', endpointLevel: r.auth ? 401 : null, disposition: `connection refused: ${r.message}${hint}`, failureKey: `nats:connect:${r.code}` };
      }
      return { answer: 'unreachable', verdict: 'retry', kind: 'unreachable', signal: 'unreachable', endpointLevel: null, disposition: `connection error: ${r.code} ${r.message}`, failureKey: `error:${r.code}` };
    }
  }
}

export function natsOutcome(r: NatsPublishResult, overrides?: NatsPolicyOverrides): SinkOutcome {
  return r.kind === 'ack' ? DELIVERED_OUTCOME : outcomeOfRow(judge(r), overrides);
}
