// The bodies of a request's broker messages (one per routing key or subject, broker-groups.ts),
// built exactly as the HTTP hook's request body (sinks/http/request-builder.ts):
//   no shaper   the records' raw bytes (deliver/batch-body.ts): one record as kumod wrote it, a
//               JSON array or NDJSON for several; nothing parsed (the fast path)
//   a shaper    the hook's body shaping (src/body/: fields, template, envelope), each record read
//               once; an envelope's batch_id is the message's id (message_id / Nats-Msg-Id), as
//               the HTTP envelope's is the request's webhook-id
// Every message is built before any is published: a record that cannot be shaped refuses the
// whole request (body/refusal.ts: split in a batch, dead-lettered alone, naming its event id)
// without publishing its neighbours twice. A shaped message of several records over
// max_batch_bytes splits the request too, as for HTTP; a single record goes whatever its size.
import { bodyFromSlices, contentTypeFor, type BatchFormat } from '../deliver/batch-body.js';
import type { SinkOutcome, SinkRequest } from '../deliver/sink.js';
import type { BodyShaper } from '../body/shaper.js';
import { refusal, tooLargeShaped } from '../body/refusal.js';
import type { Logger } from '../telemetry/logger.js';
import type { BrokerMessage } from './broker-groups.js';

export interface MessageBody {
  body: Buffer;
  contentType: string;
}

/** What a broker sink's options carry for its bodies (config `body`, `batch_format`, `max_batch_bytes`). */
export interface BrokerBodyOptions {
  /** body shaping (src/body/); null or absent: the records' raw bytes */
  shaper?: BodyShaper | null;
  /** with a shaper, a shaped message of several records over this splits the request */
  maxBatchBytes?: number;
}

export class BrokerBodies {
  private readonly shaper: BodyShaper | null;
  private readonly maxBatchBytes: number;
  /** the format a shaped body's Content-Type follows: an ndjson batch, else JSON */
  private readonly format: BatchFormat;
  private readonly warned = new Set<string>();

  constructor(
    o: BrokerBodyOptions,
    private readonly logger: Logger,
    private readonly endpoint: string,
  ) {
    this.shaper = o.shaper ?? null;
    this.maxBatchBytes = o.maxBatchBytes ?? Infinity;
    this.format = this.shaper?.format === 'ndjson' ? 'ndjson' : 'array';
  }

  /** The body of each message, in order; or the outcome of a request that is not published. */
  build(req: SinkRequest, messages: readonly BrokerMessage[]): MessageBody[] | { refused: SinkOutcome } {
    const shaper = this.shaper;
    if (shaper === null) return messages.map((m) => bodyFromSlices(m.slices, req.format));
    const out: MessageBody[] = [];
    for (const m of messages) {
      const shaped = shaper.build({ slices: m.slices, records: m.records, eventIds: m.eventIds, id: m.id });
      // counted in the request's records: a refusal in a request of several splits it, whichever message
      if (!shaped.ok) return this.refused(refusal(req.records, shaped.eventId, shaped.reason), req);
      if (shaped.body.length > this.maxBatchBytes && m.records > 1) return this.refused(tooLargeShaped(shaped.body.length, this.maxBatchBytes), req);
      out.push({ body: shaped.body, contentType: contentTypeFor(m.records, this.format) });
    }
    return out;
  }

  private refused(outcome: SinkOutcome, req: SinkRequest): { refused: SinkOutcome } {
    if (!this.warned.has(outcome.failureKey)) {
      this.warned.add(outcome.failureKey);
      // the dispatcher's own line for a split speaks of the broker: say what really happened
      this.logger.warn(outcome.disposition ?? outcome.failureKey, { url: this.endpoint, records: req.records });
    }
    return { refused: outcome };
  }
}
