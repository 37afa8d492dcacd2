// The AMQP sink: one request is one persistent message to one exchange, confirmed by the broker.
// The body is built exactly as the HTTP hook's (deliver/batch-body.ts: one record's raw bytes, or
// a JSON array for a batch); the properties say what it is:
//   delivery_mode 2 (persistent), message_id = the request id (the record's event id, or the
//   batch id), content_type, type = record type, timestamp = when sent (unix seconds),
//   app_id = loghook; headers tenant, campaign, node (kumod's nodeid), loghook-attempt, and for a
//   batch loghook-event-ids (the records' ids in body order).
import type { Sink, SinkOutcome, SinkRequest } from '../../deliver/sink.js';
import { bodyFromSlices } from '../../deliver/batch-body.js';
import { keyOf, requestFields, type RequestFields } from '../broker-fields.js';
import { readTlsFiles } from '../tls-files.js';
import { AmqpClient, type Publication, type PublishResult } from './client.js';
import { parseAmqpUrl, type AmqpSinkOptions } from './config.js';
import { amqpOutcome } from './policy.js';
import { errorMessage } from '../../util/errors.js';

/** amqplib encodes headers into a 64 KiB buffer; the id list must leave room for the rest. */
const MAX_IDS_HEADER = 32 * 1024;

export class AmqpSink implements Sink {
  readonly endpoint: string;
  private readonly client: AmqpClient;
  private readonly mandatory: boolean;
  private readonly timeoutMs: number;
  private warnedIds = false;

  constructor(private readonly o: AmqpSinkOptions) {
    const ep = parseAmqpUrl(o.url);
    this.endpoint = ep.masked;
    this.mandatory = o.mandatory ?? true;
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.client = new AmqpClient({
      endpoint: ep,
      tls: readTlsFiles(o),
      confirmTimeoutMs: this.timeoutMs,
      connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      heartbeatS: o.heartbeatS ?? 30,
      version: o.version,
      logger: o.logger,
    });
  }

  async send(req: SinkRequest): Promise<SinkOutcome> {
    const { body, contentType } = bodyFromSlices(req.slices, req.format);
    let result: PublishResult;
    try {
      const fields = requestFields(req);
      result = await this.client.publish(this.publication(req, fields, body, contentType));
    } catch (err) {
      result = { kind: 'lost', code: 'INTERNAL', message: errorMessage(err) };
    }
    return amqpOutcome(result, body.length, this.timeoutMs, this.o.policy);
  }

  /** the broker is blocking publishes now (memory or disk alarm) */
  get blocked(): boolean {
    return this.client.blocked;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  destroy(): Promise<void> {
    return this.client.destroy();
  }

  private publication(req: SinkRequest, fields: RequestFields, body: Buffer, contentType: string): Publication {
    const headers: Record<string, string | number> = { 'loghook-attempt': req.attempt };
    if (fields.tenant !== null) headers.tenant = fields.tenant;
    if (fields.campaign !== null) headers.campaign = fields.campaign;
    if (fields.node !== null) headers.node = fields.node;
    if (req.records > 1) {
      const ids = req.eventIds.join(',');
      if (ids.length <= MAX_IDS_HEADER) headers['loghook-event-ids'] = ids;
      else if (!this.warnedIds) {
        this.warnedIds = true;
        this.o.logger.warn('a batch has too many records for the loghook-event-ids header; it is left out (lower batch_size)', { url: this.endpoint, records: req.records });
      }
    }
    return {
      exchange: this.o.exchange,
      routingKey: keyOf(this.o.routingKey, req, fields),
      body,
      mandatory: this.mandatory,
      properties: {
        persistent: true,
        messageId: req.id,
        contentType,
        ...(fields.type !== null ? { type: fields.type } : {}),
        timestamp: Math.floor(req.now / 1000),
        appId: 'loghook',
        headers,
      },
    };
  }
}
