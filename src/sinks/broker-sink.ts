// What every broker sink (amqp/, nats/) does the same way: max_message_rate, the message bodies,
// one message per rendered key with the request's outcome combined from theirs
// (broker-outcome.ts sendPartitioned), and closing. A broker's own sink gives its client, how a
// message is published and what its answers mean (its policy.ts).
import type { Sink, SinkOutcome, SinkRequest } from '../deliver/sink.js';
import type { Throttle } from '../deliver/rate-limit.js';
import type { Logger } from '../telemetry/logger.js';
import type { Clock } from '../util/clock.js';
import type { KeyOf } from './broker-fields.js';
import type { BrokerMessage } from './broker-groups.js';
import { sendPartitioned } from './broker-outcome.js';
import { BrokerBodies, type BrokerBodyOptions, type MessageBody } from './broker-body.js';
import { messageRate } from './broker-rate.js';
import type { BrokerTlsOptions } from './tls-files.js';

/** The options every broker sink has. */
export interface BrokerSinkOptions extends BrokerTlsOptions, BrokerBodyOptions {
  /** records per second at most (config `max_message_rate`) */
  maxMessageRate?: number;
  logger: Logger;
  clock?: Clock;
}

/** A broker client as the sink closes it. */
export interface BrokerConnection {
  close(): Promise<void>;
  destroy(): Promise<void>;
}

export abstract class BrokerSink implements Sink {
  /** certificate verification is off (tls_insecure_skip_verify) */
  readonly tlsInsecure: boolean;
  protected abstract readonly client: BrokerConnection;
  private readonly rate: Throttle | null;
  private readonly bodies: BrokerBodies;

  /** `endpoint`: masked, for logs and status. Throws UsageError (max_message_rate). */
  constructor(
    o: BrokerSinkOptions,
    readonly endpoint: string,
    private readonly key: KeyOf,
    private readonly keyName: 'routing key' | 'subject',
  ) {
    this.tlsInsecure = o.tlsInsecureSkipVerify === true;
    this.rate = messageRate(o.maxMessageRate, o.clock);
    this.bodies = new BrokerBodies(o, o.logger, endpoint);
  }

  send(req: SinkRequest): Promise<SinkOutcome> {
    return sendPartitioned(req, {
      rate: this.rate,
      key: this.key,
      keyName: this.keyName,
      bodies: this.bodies,
      publish: (m, body) => this.publish(req, m, body),
      failed: (err) => this.failed(err),
    });
  }

  close(): Promise<void> {
    this.rate?.abort();
    return this.client.close();
  }

  destroy(): Promise<void> {
    this.rate?.abort();
    return this.client.destroy();
  }

  /** Publishes one message of `req`. Never rejects. */
  protected abstract publish(req: SinkRequest, m: BrokerMessage, body: MessageBody): Promise<SinkOutcome>;

  /** What an unexpected error while partitioning or building the bodies means, in this broker's words. */
  protected abstract failed(err: unknown): SinkOutcome;
}
