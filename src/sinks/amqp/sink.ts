// The AMQP sink: a request's records are partitioned by the routing key each renders
// (broker-groups.ts), and each key's records are one persistent message to the exchange,
// confirmed by the broker; the request is delivered when all are (broker-outcome.ts). A
// message's body is built exactly as the HTTP hook's (broker-body.ts: one record's raw bytes, a
// JSON array for several, or the hook's body shaping); the properties say what it is, shaped or not:
//   delivery_mode 2 (persistent), message_id = the message's id (a single record's event id, else
//   the batch id of its records), content_type, type = record type, timestamp = when sent (unix
//   seconds), app_id = loghook; headers tenant, campaign, node (kumod's nodeid), loghook-attempt,
//   and for several records loghook-event-ids (their ids in body order). type, tenant, campaign
//   and node are left out when the message's records do not all agree on them.
import type { SinkOutcome, SinkRequest } from '../../deliver/sink.js';
import type { BrokerMessage } from '../broker-groups.js';
import type { MessageBody } from '../broker-body.js';
import { BrokerSink } from '../broker-sink.js';
import { brokerTls } from '../tls-files.js';
import { AmqpClient, type Publication, type PublishResult } from './client.js';
import { parseAmqpUrl, type AmqpSinkOptions } from './config.js';
import { amqpOutcome } from './policy.js';
import { UsageError, errorMessage } from '../../util/errors.js';
import { HOOK_DEFAULTS } from '../../config/defaults.js';

/** amqplib encodes headers into a 64 KiB buffer; the id list must leave room for the rest. */
const MAX_IDS_HEADER = 32 * 1024;

export class AmqpSink extends BrokerSink {
  protected readonly client: AmqpClient;
  private readonly mandatory: boolean;
  private readonly timeoutMs: number;
  private warnedIds = false;

  constructor(private readonly o: AmqpSinkOptions) {
    const ep = parseAmqpUrl(o.url);
    super(o, ep.masked, o.routingKey, 'routing key');
    this.mandatory = o.mandatory ?? true;
    this.timeoutMs = o.timeoutMs ?? HOOK_DEFAULTS.timeoutMs;
    const tls = brokerTls(o, ep.masked, o.logger);
    if (tls !== null && ep.protocol !== 'amqps') throw new UsageError(`the TLS keys (ca_file, client_cert, tls_server_name, ...) need an amqps:// url: ${ep.masked}`);
    this.client = new AmqpClient({
      endpoint: ep,
      tls: tls ?? {},
      confirmTimeoutMs: this.timeoutMs,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      heartbeatS: o.heartbeatS ?? 30,
      version: o.version,
      logger: o.logger,
    });
  }

  /** the broker is blocking publishes now (memory or disk alarm) */
  get blocked(): boolean {
    return this.client.blocked;
  }

  protected failed(err: unknown): SinkOutcome {
    return amqpOutcome({ kind: 'lost', code: 'INTERNAL', message: errorMessage(err) }, 0, this.timeoutMs, this.o.policy);
  }

  protected async publish(req: SinkRequest, m: BrokerMessage, { body, contentType }: MessageBody): Promise<SinkOutcome> {
    const bytes = body.length;
    let result: PublishResult;
    try {
      result = await this.client.publish(this.publication(req, m, body, contentType));
    } catch (err) {
      result = { kind: 'lost', code: 'INTERNAL', message: errorMessage(err) };
    }
    return amqpOutcome(result, bytes, this.timeoutMs, this.o.policy);
  }

  private publication(req: SinkRequest, m: BrokerMessage, body: Buffer, contentType: string): Publication {
    const f = m.fields;
    const headers: Record<string, string | number> = { 'loghook-attempt': req.attempt };
    if (f.tenant !== null) headers.tenant = f.tenant;
    if (f.campaign !== null) headers.campaign = f.campaign;
    if (f.node !== null) headers.node = f.node;
    if (m.records > 1) {
      const ids = m.eventIds.join(',');
      if (ids.length <= MAX_IDS_HEADER) headers['loghook-event-ids'] = ids;
      else if (!this.warnedIds) {
        this.warnedIds = true;
        this.o.logger.warn('a batch has too many records for the loghook-event-ids header; it is left out (lower batch_size)', { url: this.endpoint, records: m.records });
      }
    }
    return {
      exchange: this.o.exchange,
      routingKey: m.key,
      body,
      mandatory: this.mandatory,
      properties: {
        persistent: true,
        messageId: m.id,
        contentType,
        ...(f.type !== null ? { type: f.type } : {}),
        timestamp: Math.floor(req.now / 1000),
        appId: 'loghook',
        headers,
      },
    };
  }
}
