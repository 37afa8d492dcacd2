// The HTTP sink: one endpoint URL. Builds a request's body from the records' raw bytes
// (deliver/batch-body.ts), its headers (headers.ts), posts it (client.ts) and says what the
// answer means (policy.ts).
import type { Sink, SinkOutcome, SinkRequest } from '../../deliver/sink.js';
import { bodyFromSlices, type Allocate } from '../../deliver/batch-body.js';
import { BodyPool } from '../../deliver/body-pool.js';
import { formatBytes } from '../../config/units.js';
import { redactUrl, type Logger } from '../../telemetry/logger.js';
import { HttpClient, type HttpOutcome } from './client.js';
import { HeaderBuilder, type HeaderItem } from './headers.js';
import { sinkOutcomeOf, type PolicyOverrides } from './policy.js';
import { errorMessage } from '../../util/errors.js';
import { systemClock, type Clock } from '../../util/clock.js';

export interface HttpSinkOptions {
  url: string;
  version: string;
  /** connections = requests in flight at most */
  connections: number;
  timeoutMs: number;
  headers?: readonly HeaderItem[];
  policy?: PolicyOverrides;
  logger: Logger;
  clock?: Clock;
}

/** Receivers with a small header limit answer 431 above this. */
const BIG_ID_HEADER = 8 * 1024;

export class HttpSink implements Sink {
  readonly endpoint: string;
  private readonly client: HttpClient;
  private readonly headers: HeaderBuilder;
  private readonly bodies: BodyPool;
  private readonly acquire: Allocate;
  private warnedBigHeader = false;

  constructor(private readonly o: HttpSinkOptions) {
    this.endpoint = redactUrl(o.url);
    this.client = new HttpClient({ url: o.url, connections: o.connections, timeoutMs: o.timeoutMs });
    this.headers = new HeaderBuilder({ version: o.version, extra: o.headers ?? [], url: o.url });
    this.bodies = new BodyPool(o.connections * 2);
    this.acquire = this.bodies.acquire.bind(this.bodies);
  }

  async send(req: SinkRequest): Promise<SinkOutcome> {
    const { body } = bodyFromSlices(req.slices, req.format, this.acquire);
    const headers = this.headers.build(req);
    const idHeader = headers['loghook-event-ids'];
    if (idHeader && idHeader.length > BIG_ID_HEADER && !this.warnedBigHeader) {
      this.warnedBigHeader = true;
      this.o.logger.warn('the Loghook-Event-Ids header is large; receivers with a small header limit answer 431 (lower --batch-size)', {
        url: this.endpoint,
        headerBytes: formatBytes(idHeader.length),
      });
    }
    let outcome: HttpOutcome;
    try {
      outcome = await this.client.post(body, headers);
    } catch (err) {
      outcome = { kind: 'error', code: 'UNKNOWN', message: errorMessage(err) };
    } finally {
      this.bodies.release(body);
    }
    return sinkOutcomeOf(outcome, this.o.policy, (this.o.clock ?? systemClock).now());
  }

  close(): Promise<void> {
    return this.client.close();
  }

  destroy(): Promise<void> {
    return this.client.destroy();
  }
}
