// The NATS JetStream sink: a request's records are partitioned by the subject each renders
// (broker-groups.ts), and each subject's records are one message published to JetStream and
// acked by the stream; the request is delivered when all are (broker-outcome.ts). A message's
// body is built exactly as the HTTP hook's (broker-body.ts: raw records, or the hook's body
// shaping). Headers, shaped or not:
//   Nats-Msg-Id = the message's id (a single record's event id, else the batch id of its records):
//   within the stream's duplicate window JetStream keeps the first copy only, so the copies
//   at-least-once delivery makes after a crash never reach the stream twice. Content-Type,
//   Loghook-Type, Loghook-Tenant, Loghook-Campaign, Loghook-Node (each left out when the message's
//   records do not all agree on it), Loghook-Attempt, and for several records Loghook-Event-Ids.
import type { SinkOutcome, SinkRequest } from '../../deliver/sink.js';
import type { BrokerMessage } from '../broker-groups.js';
import type { MessageBody } from '../broker-body.js';
import { BrokerSink } from '../broker-sink.js';
import { brokerTls } from '../tls-files.js';
import { errorMessage } from '../../util/errors.js';
import { NatsClient, type NatsPublishResult } from './client.js';
import { checkAuth, parseServers, type NatsSinkOptions } from './config.js';
import { natsOutcome } from './policy.js';
import { HOOK_DEFAULTS } from '../../config/defaults.js';

export class NatsSink extends BrokerSink {
  protected readonly client: NatsClient;

  constructor(private readonly o: NatsSinkOptions) {
    const { servers, masked } = parseServers(o.servers);
    checkAuth(o);
    super(o, masked, o.subject, 'subject');
    const { token, user, password, nkeySeed, credsFile } = o;
    this.client = new NatsClient({
      servers, masked,
      auth: { token, user, password, nkeySeed, credsFile },
      tls: brokerTls(o, masked, o.logger),
      ackTimeoutMs: o.timeoutMs ?? HOOK_DEFAULTS.timeoutMs,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      version: o.version,
      logger: o.logger,
    });
  }

  protected failed(err: unknown): SinkOutcome {
    return natsOutcome({ kind: 'disconnected', message: `internal error: ${errorMessage(err)}` }, this.o.policy);
  }

  protected async publish(req: SinkRequest, m: BrokerMessage, { body, contentType }: MessageBody): Promise<SinkOutcome> {
    let result: NatsPublishResult;
    try {
      const f = m.fields;
      const h: Record<string, string> = { 'Content-Type': contentType, 'Loghook-Attempt': String(req.attempt) };
      if (f.type !== null) h['Loghook-Type'] = f.type;
      if (f.tenant !== null) h['Loghook-Tenant'] = f.tenant;
      if (f.campaign !== null) h['Loghook-Campaign'] = f.campaign;
      if (f.node !== null) h['Loghook-Node'] = f.node;
      if (m.records > 1) h['Loghook-Event-Ids'] = m.eventIds.join(',');
      result = await this.client.publish(m.key, body, m.id, h);
    } catch (err) {
      result = { kind: 'disconnected', message: `internal error: ${errorMessage(err)}` };
    }
    return natsOutcome(result, this.o.policy);
  }
}
