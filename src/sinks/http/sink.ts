// The HTTP sink: one endpoint URL. Waits its turn at the endpoint's rates (deliver/rate-limit.ts),
// builds the request (request-builder.ts: body, signature, compression, headers), sends it
// (client.ts) and says what the answer means (policy.ts). Every option below is one config key
// of a hook; values arrive resolved (secrets read from env or files, rates in per-second
// numbers). A bad value throws UsageError from the constructor, naming the key.
import type { Sink, SinkOutcome, SinkRequest } from '../../deliver/sink.js';
import { DeliveryRate, TokenBucket, Throttle, type RateLimits } from '../../deliver/rate-limit.js';
import { redactUrl, type Logger } from '../../telemetry/logger.js';
import { errorMessage, UsageError } from '../../util/errors.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { HttpClient, parseEndpoint, type HttpOutcome, type SharedConnections } from './client.js';
import { EVENT_ID_HEADER_BUDGET, HeaderBuilder, type AuthOptions, type HeaderItem } from './headers.js';
import { sinkOutcomeOf, type PolicyOverrides } from './policy.js';
import { createSigner, type SigningOptions } from './signing.js';
import { createBodyCompressor, type Compression } from './compress.js';
import { tlsConnectOptions, type TlsOptions } from './tls.js';
import { describeProxy, proxySetting } from './proxy.js';
import { RequestBuilder, type BuiltRequest } from './request-builder.js';
import type { BodyPool } from '../../deliver/body-pool.js';
import type { BodyShaper } from '../../body/shaper.js';

export interface HttpSinkOptions extends TlsOptions, SigningOptions, AuthOptions, RateLimits {
  url: string;
  version: string;
  /** connections = requests in flight at most */
  connections: number;
  timeoutMs: number;
  /** extra headers on every request; values are secrets (config `headers`) */
  headers?: readonly HeaderItem[];
  policy?: PolicyOverrides;
  /** default POST (config `method`) */
  method?: 'POST' | 'PUT';
  /** default none (config `compression`) */
  compression?: Compression;
  /** a proxy URL, credentials allowed (config `proxy`); default: HTTPS_PROXY/HTTP_PROXY/NO_PROXY */
  proxy?: string;
  /** new connections per second at most (config `max_connection_rate`) */
  maxConnectionRate?: number;
  /** a keep-alive connection is replaced after this many requests (config `max_deliveries_per_connection`) */
  maxDeliveriesPerConnection?: number;
  /** body shaping (config `body`, `batch_format = "envelope"`: src/body/); default the raw records */
  shaper?: BodyShaper | null;
  /** with a shaper, a shaped body of several records over this is split before it is sent (config `max_batch_bytes`) */
  maxBatchBytes?: number;
  logger: Logger;
  clock?: Clock;
  /** the hook's connections by origin, shared by its endpoints (without max_connection_rate) */
  shared?: SharedConnections;
  /** the hook's request bodies, shared by its endpoints (each keeping its own held 1,000 of them) */
  bodyPool?: BodyPool;
  /** told every answer as it came (loghook send-test prints it) */
  onAnswer?: (answer: HttpOutcome) => void;
}

/** The outcome of a request that was never sent because the sink closed while it waited. */
const NOT_SENT: SinkOutcome = Object.freeze({
  verdict: 'retry', explicit: false, kind: 'transient', disposition: 'not sent: loghook stopped while the request waited for its rate',
  failureKey: 'not-sent', retryAfterMs: null, signal: 'up', endpointLevel: null,
});

export class HttpSink implements Sink {
  readonly endpoint: string;
  /** certificate verification is off (tls_insecure_skip_verify): status should say so */
  readonly tlsInsecure: boolean;
  /** the proxy requests go through, masked; null: direct */
  readonly proxy: string | null;
  /** the most bytes of Loghook-Event-Ids: a batcher keeps each batch's list under it */
  readonly maxEventIdHeaderBytes = EVENT_ID_HEADER_BUDGET;
  private readonly client: HttpClient;
  private readonly builder: RequestBuilder;
  private readonly clock: Clock;
  private readonly rate: Throttle | null;
  private readonly connectRate: Throttle | null;
  /** requests that failed on a certificate or TLS setting (failure key `tls:...`), since start:
   * `tail --once` exits with its own code when this is not 0 */
  tlsFailures = 0;
  /** the disposition of the latest of them */
  lastTlsFailure: string | null = null;
  private warnedTruncated = false;
  private readonly warnedShape = new Set<string>();

  constructor(private readonly o: HttpSinkOptions) {
    const url = parseEndpoint(o.url);
    this.endpoint = redactUrl(o.url);
    this.clock = o.clock ?? systemClock;
    const now = this.clock.now();
    for (const [key, v] of [['max_message_rate', o.maxMessageRate], ['max_request_rate', o.maxRequestRate], ['max_connection_rate', o.maxConnectionRate]] as const) {
      if (v !== undefined && !(v > 0 && Number.isFinite(v))) throw new UsageError(`${key} must be a positive rate, got ${v}`);
    }
    const d = o.maxDeliveriesPerConnection;
    if (d !== undefined && !(Number.isInteger(d) && d >= 1)) throw new UsageError(`max_deliveries_per_connection must be a whole number of at least 1, got ${d}`);
    const rate = new DeliveryRate(o, now);
    this.rate = rate.unlimited ? null : Throttle.of(rate, this.clock);
    this.connectRate = o.maxConnectionRate ? Throttle.of(new TokenBucket(o.maxConnectionRate, now), this.clock) : null;

    const tls = tlsConnectOptions(o, url);
    this.tlsInsecure = o.tlsInsecureSkipVerify === true;
    const proxy = proxySetting(url, o.proxy);
    this.proxy = describeProxy(proxy, process.env, url);
    const compressor = createBodyCompressor(o.compression);
    const signer = createSigner(o);
    const connect = this.connectRate;
    this.client = new HttpClient({
      url: o.url, connections: o.connections, timeoutMs: o.timeoutMs, method: o.method ?? 'POST', tls, proxy,
      ...(d !== undefined ? { maxRequestsPerConnection: d } : {}),
      ...(connect ? { beforeConnect: () => connect.wait(1) } : {}),
      ...(o.shared ? { shared: o.shared } : {}),
    });
    const headers = new HeaderBuilder({ version: o.version, extra: o.headers ?? [], url: o.url, auth: o, ...(compressor ? { contentEncoding: compressor.encoding } : {}) });
    this.builder = new RequestBuilder(headers, signer, compressor, o.bodyPool ?? o.connections, o.shaper ?? null, o.maxBatchBytes);

    if (this.tlsInsecure) {
      o.logger.warn('TLS certificate verification is OFF (tls_insecure_skip_verify = true): anyone on the network path can read and change these requests. Set ca_file to the receiver\'s CA instead', { url: this.endpoint });
    }
    if (this.proxy) o.logger.info('requests go through a proxy', { url: this.endpoint, proxy: this.proxy });
  }

  async send(req: SinkRequest): Promise<SinkOutcome> {
    if (this.rate && !(await this.rate.wait(req.records))) return NOT_SENT;
    const now = this.clock.now();
    let built: BuiltRequest | null = null;
    let outcome: HttpOutcome;
    try {
      const b = await this.builder.build(req, now);
      if ('refused' in b) return this.refused(b.refused, req);
      built = b;
      if (built.headers['loghook-event-ids-truncated'] && !this.warnedTruncated) {
        this.warnedTruncated = true;
        this.o.logger.warn('a batch\'s event ids do not fit the Loghook-Event-Ids header; the list is cut and Loghook-Event-Ids-Truncated says how many are left out (lower the batch size)', {
          url: this.endpoint, records: req.records, budgetBytes: EVENT_ID_HEADER_BUDGET,
        });
      }
      outcome = await this.client.post(built.body, built.headers);
      this.o.onAnswer?.(outcome);
    } catch (err) {
      outcome = { kind: 'error', code: 'UNKNOWN', message: errorMessage(err) };
    } finally {
      if (built) this.builder.release(built);
    }
    const result = sinkOutcomeOf(outcome, this.o.policy, this.clock.now(), req.records);
    if (result.kind === 'config' && result.failureKey.startsWith('tls:')) {
      this.tlsFailures++;
      this.lastTlsFailure = result.disposition;
    }
    return result;
  }

  /** A request the builder would not send (shaping: request-builder.ts refusal()). */
  private refused(outcome: SinkOutcome, req: SinkRequest): SinkOutcome {
    if (!this.warnedShape.has(outcome.failureKey)) {
      this.warnedShape.add(outcome.failureKey);
      // the dispatcher's own line for a split speaks of the receiver: say what really happened
      this.o.logger.warn(outcome.disposition ?? outcome.failureKey, { url: this.endpoint, records: req.records });
    }
    return outcome;
  }

  close(): Promise<void> {
    this.rate?.abort();
    this.connectRate?.abort();
    return this.client.close();
  }

  destroy(): Promise<void> {
    this.rate?.abort();
    this.connectRate?.abort();
    return this.client.destroy();
  }
}
