// The NATS JetStream sink: one request is one message published to JetStream and acked by the
// stream. The body is built exactly as the HTTP hook's (deliver/batch-body.ts). Headers:
//   Nats-Msg-Id = the request id (the record's event id, or the batch id): within the stream's
//   duplicate window JetStream keeps the first copy only, so the copies at-least-once delivery
//   makes after a crash never reach the stream twice. Content-Type, Loghook-Type, Loghook-Tenant,
//   Loghook-Campaign, Loghook-Node, Loghook-Attempt, and for a batch Loghook-Event-Ids.
import type { Sink, SinkOutcome, SinkRequest } from '../../deliver/sink.js';
import { bodyFromSlices } from '../../deliver/batch-body.js';
import { keyOf, requestFields } from '../broker-fields.js';
import { readTlsFiles } from '../tls-files.js';
import { errorMessage } from '../../util/errors.js';
import { NatsClient, type NatsPublishResult } from './client.js';
import { checkAuth, parseServers, type NatsSinkOptions } from './config.js';
import { natsOutcome } from './policy.js';

export class NatsSink implements Sink {
  readonly endpoint: string;
  private readonly client: NatsClient;

  constructor(private readonly o: NatsSinkOptions) {
    const { servers, masked } = parseServers(o.servers);
    checkAuth(o);
    this.endpoint = masked;
    const tls = readTlsFiles(o);
    const { token, user, password, nkeySeed, credsFile } = o;
    this.client = new NatsClient({
      servers, masked,
      auth: { token, user, password, nkeySeed, credsFile },
      tls: tls.ca || tls.cert ? tls : null,
      ackTimeoutMs: o.timeoutMs ?? 10_000,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      version: o.version,
      logger: o.logger,
    });
  }

  async send(req: SinkRequest): Promise<SinkOutcome> {
    const { body, contentType } = bodyFromSlices(req.slices, req.format);
    let result: NatsPublishResult;
    try {
      const f = requestFields(req);
      const h: Record<string, string> = { 'Content-Type': contentType, 'Loghook-Attempt': String(req.attempt) };
      if (f.type !== null) h['Loghook-Type'] = f.type;
      if (f.tenant !== null) h['Loghook-Tenant'] = f.tenant;
      if (f.campaign !== null) h['Loghook-Campaign'] = f.campaign;
      if (f.node !== null) h['Loghook-Node'] = f.node;
      if (req.records > 1) h['Loghook-Event-Ids'] = req.eventIds.join(',');
      result = await this.client.publish(keyOf(this.o.subject, req, f), body, req.id, h);
    } catch (err) {
      result = { kind: 'disconnected', message: `internal error: ${errorMessage(err)}` };
    }
    return natsOutcome(result, this.o.policy);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  destroy(): Promise<void> {
    return this.client.destroy();
  }
}
