// The AMQP 0-9-1 adapter: the only file in loghook that imports amqplib (see README, "Why
// amqplib"). One connection, one confirm channel, opened on demand: a publish finds the broker
// down, the sink reports it, the dispatcher's endpoint breaker schedules the next try (1 s
// doubling up to retry_interval) and that try reconnects. So the breaker is the reconnect backoff,
// one schedule rather than two stacked ones. `publish()` never rejects: every answer, the
// broker's confirm, a nack, a basic.return, a channel or connection closed, comes back as a
// PublishResult for policy.ts.
//   - Delivered means confirmed: publisher confirms, a result only on the broker's ack or nack.
//   - mandatory: an unroutable message comes back (basic.return, always before its ack); it is
//     matched to its publish by message_id.
//   - connection.blocked (memory or disk alarm): nothing is written until connection.unblocked
//     and the confirm timeout does not run meanwhile, so an alarm slows loghook down and loses
//     nothing. A full socket buffer (publish() returning false) waits for 'drain' the same way.
import { isIP } from 'node:net';
import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { lazyModule } from '../../util/lazy-require.js';
import type { Logger } from '../../telemetry/logger.js';
import type { TlsMaterial } from '../tls-files.js';
import type { AmqpEndpoint } from './config.js';

const amqp = lazyModule<typeof import('amqplib')>('amqplib');

export type PublishResult =
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'returned'; replyCode: number; replyText: string; exchange: string; routingKey: string }
  /** the broker closed the channel or connection, saying why (406 PRECONDITION_FAILED - ...) */
  | { kind: 'closed'; scope: 'channel' | 'connection'; code: number; text: string }
  /** the connection went away without the broker's word (reset, EOF, heartbeat) */
  | { kind: 'lost'; code: string; message: string }
  /** no connection could be made: refused, DNS, TLS, login or vhost refused */
  | { kind: 'connect-failed'; code: string; replyCode: number | null; text: string }
  | { kind: 'timeout'; ms: number };

export interface Publication {
  exchange: string;
  routingKey: string;
  body: Buffer;
  mandatory: boolean;
  properties: Options.Publish & { messageId: string };
}

export interface AmqpClientOptions {
  endpoint: AmqpEndpoint;
  tls: TlsMaterial;
  confirmTimeoutMs: number;
  connectTimeoutMs: number;
  heartbeatS: number;
  version: string;
  logger: Logger;
}

interface Returned {
  replyCode: number;
  replyText: string;
  exchange: string;
  routingKey: string;
}

/** One confirm channel and what is known about its end. */
class Link {
  reason: PublishResult | null = null;
  needDrain = false;
  readonly closed: Promise<PublishResult>;
  private markClosed!: (r: PublishResult) => void;
  constructor(readonly ch: ConfirmChannel) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }
  finish(r: PublishResult): void {
    this.markClosed(r);
  }
}

const ACK: PublishResult = Object.freeze({ kind: 'ack' });
const NACK: PublishResult = Object.freeze({ kind: 'nack' });

export class AmqpClient {
  private model: ChannelModel | null = null;
  private link: Link | null = null;
  private opening: Promise<Link> | null = null;
  private connReason: PublishResult | null = null;
  private blockedReason: string | null = null;
  private waiters: (() => void)[] = [];
  private readonly returns = new Map<string, Returned[]>();
  private readonly pending = new Set<(r: PublishResult) => void>();
  private destroyed = false;

  constructor(private readonly o: AmqpClientOptions) {}

  /** the broker said connection.blocked and has not said unblocked yet */
  get blocked(): boolean {
    return this.blockedReason !== null;
  }

  async publish(p: Publication): Promise<PublishResult> {
    let link: Link;
    try {
      link = await this.channel();
    } catch (err) {
      return connectFailed(err);
    }
    await this.writable(link);
    if (this.destroyed) return { kind: 'lost', code: 'DESTROYED', message: 'the sink was stopped' };
    if (link.reason) return link.reason;
    return new Promise<PublishResult>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const finish = (r: PublishResult) => {
        if (!this.pending.delete(finish)) return;
        if (timer) clearTimeout(timer);
        resolve(r);
      };
      this.pending.add(finish);
      // The confirm timeout counts only time the broker is not blocking us.
      const arm = () => {
        timer = setTimeout(() => (this.blocked ? arm() : finish({ kind: 'timeout', ms: this.o.confirmTimeoutMs })), this.o.confirmTimeoutMs);
      };
      arm();
      try {
        const ok = link.ch.publish(p.exchange, p.routingKey, p.body, { ...p.properties, mandatory: p.mandatory }, (err: unknown) => {
          if (!err) return finish(this.takeReturn(p.properties.messageId) ?? ACK);
          if (err instanceof Error && err.message === 'message nacked') return finish(NACK);
          void link.closed.then(finish); // the channel closed: its reason is known by then
        });
        if (!ok) link.needDrain = true;
      } catch (err) {
        // a channel closed a moment ago throws here; anything else is a local bug, not the broker's
        if (link.reason) finish(link.reason);
        else finish({ kind: 'lost', code: 'PUBLISH', message: err instanceof Error ? err.message : String(err) });
      }
    });
  }

  /** Waits for publishes in flight, then closes the connection. */
  async close(): Promise<void> {
    while (this.pending.size > 0 && !this.destroyed) await new Promise((r) => setTimeout(r, 10));
    await this.shut();
  }

  /** Gives every publish in flight up (they stay queued upstream) and closes at once. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const finish of [...this.pending]) finish({ kind: 'lost', code: 'DESTROYED', message: 'the sink was stopped' });
    this.release();
    await this.shut();
  }

  private async shut(): Promise<void> {
    const m = this.model;
    this.model = null;
    this.link = null;
    if (m) await Promise.race([m.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  /** Waits while the broker blocks the connection or the socket buffer is full. */
  private async writable(link: Link): Promise<void> {
    while (!this.destroyed && !link.reason && (this.blocked || link.needDrain)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  private takeReturn(messageId: string): PublishResult | null {
    const list = this.returns.get(messageId);
    const r = list?.shift();
    if (!r) return null;
    if (list!.length === 0) this.returns.delete(messageId);
    return { kind: 'returned', ...r };
  }

  private channel(): Promise<Link> {
    if (this.link && !this.link.reason) return Promise.resolve(this.link);
    this.opening ??= this.open().finally(() => (this.opening = null));
    return this.opening;
  }

  /**
   * A connection (if none is open) and a confirm channel, within connectTimeoutMs. amqplib's own
   * timeout is the socket's idle timer; nothing bounds a channel.open the broker never answers on
   * a live connection, and a probe that never ends would stall the hook for good. Past the
   * deadline the attempt is given up, its connection closed, and the next send starts afresh.
   */
  private async open(): Promise<Link> {
    const attempt = { abandoned: false };
    let timer: NodeJS.Timeout | undefined;
    const ms = this.o.connectTimeoutMs;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        attempt.abandoned = true;
        const m = this.model;
        this.model = null;
        void m?.close().catch(() => undefined);
        reject(Object.assign(new Error(`no AMQP channel within ${ms} ms`), { code: 'ETIMEDOUT' }));
      }, ms);
    });
    try {
      return await Promise.race([this.openLink(attempt), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async openLink(attempt: { abandoned: boolean }): Promise<Link> {
    const model = this.model ?? (await this.connect());
    if (attempt.abandoned) {
      if (this.model === model) this.model = null;
      void model.close().catch(() => undefined);
      throw new Error('abandoned');
    }
    const ch = await model.createConfirmChannel();
    if (attempt.abandoned) {
      void ch.close().catch(() => undefined);
      throw new Error('abandoned');
    }
    const link = new Link(ch);
    ch.on('error', (err: unknown) => (link.reason ??= brokerClose('channel', err)));
    ch.on('return', (msg: Message) => {
      const id = msg.properties.messageId as string | undefined;
      if (id === undefined) return;
      const f = msg.fields as unknown as Returned;
      const list = this.returns.get(id) ?? [];
      list.push({ replyCode: f.replyCode, replyText: f.replyText, exchange: f.exchange, routingKey: f.routingKey });
      this.returns.set(id, list);
    });
    ch.on('drain', () => {
      link.needDrain = false;
      this.release();
    });
    ch.on('close', () => {
      if (this.link === link) this.link = null;
      // after the connection's own error event, which may explain this close
      setImmediate(() => {
        link.reason ??= this.connReason ?? { kind: 'lost', code: 'CLOSED', message: 'the channel closed' };
        link.finish(link.reason);
        this.release();
      });
    });
    this.link = link;
    return link;
  }

  private async connect(): Promise<ChannelModel> {
    const e = this.o.endpoint;
    const url: Options.Connect = {
      protocol: e.protocol,
      hostname: e.hostname,
      port: e.port,
      username: e.username,
      password: e.password,
      vhost: e.vhost,
      heartbeat: this.o.heartbeatS,
    };
    const socket: Record<string, unknown> = {
      timeout: this.o.connectTimeoutMs,
      clientProperties: { connection_name: 'loghook', product: 'loghook', version: this.o.version },
      ...this.o.tls,
    };
    // SNI: tls_server_name when set, else the URL's host name (never an IP address)
    if (e.protocol === 'amqps' && socket.servername === undefined && !isIP(e.hostname)) socket.servername = e.hostname;
    const model = await amqp().connect(url, socket);
    if (this.destroyed) {
      await model.close().catch(() => undefined);
      throw Object.assign(new Error('the sink was stopped'), { code: 'DESTROYED' });
    }
    this.connReason = null;
    this.blockedReason = null;
    model.on('error', (err: unknown) => (this.connReason ??= connectionError(err)));
    model.on('close', (err: unknown) => {
      if (this.model === model) this.model = null;
      this.connReason ??= err ? connectionError(err) : { kind: 'lost', code: 'CLOSED', message: 'the connection closed' };
      this.blockedReason = null;
      this.release();
      if (!this.destroyed) this.o.logger.warn('lost the AMQP connection; the next send reconnects', { url: e.masked, why: describe(this.connReason) });
    });
    model.on('blocked', (reason: string) => {
      this.blockedReason = reason || 'blocked';
      this.o.logger.warn('the broker blocked publishing (a memory or disk alarm); sends wait, nothing is lost', { url: e.masked, reason });
    });
    model.on('unblocked', () => {
      this.blockedReason = null;
      this.o.logger.info('the broker unblocked publishing', { url: e.masked });
      this.release();
    });
    this.model = model;
    this.o.logger.info('connected to the AMQP broker', { url: e.masked });
    return model;
  }
}

const SERVER_SAYS = /(\d{3}) \(([A-Z-]+)\) with message "(.*)"$/s;

/** The broker's close: `Channel closed by server: 406 (PRECONDITION-FAILED) with message "..."`. */
function brokerClose(scope: 'channel' | 'connection', err: unknown): PublishResult {
  const message = err instanceof Error ? err.message : String(err);
  const m = SERVER_SAYS.exec(message);
  const code = typeof (err as { code?: unknown })?.code === 'number' ? (err as { code: number }).code : m ? Number(m[1]) : 0;
  return { kind: 'closed', scope, code, text: m ? m[3]! : message };
}

function connectionError(err: unknown): PublishResult {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'number' || SERVER_SAYS.test(err instanceof Error ? err.message : '')) return brokerClose('connection', err);
  return { kind: 'lost', code: typeof code === 'string' ? code : 'CLOSED', message: err instanceof Error ? err.message : String(err) };
}

function connectFailed(err: unknown): PublishResult {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  const m = SERVER_SAYS.exec(message);
  if (m) return { kind: 'connect-failed', code: m[2]!.replace(/-/g, '_'), replyCode: Number(m[1]), text: m[3]! };
  if (/ConnectionClose/.test(message)) {
    // the broker closed the connection at connection.open: the vhost is missing or not allowed
    return { kind: 'connect-failed', code: 'NOT_ALLOWED', replyCode: 530, text: `the broker refused to open the vhost (${message})` };
  }
  return { kind: 'connect-failed', code: typeof code === 'string' ? code : 'ECONNECT', replyCode: null, text: message };
}

function describe(r: PublishResult): string {
  return r.kind === 'closed' ? `${r.code} ${r.text}` : r.kind === 'lost' ? `${r.code} ${r.message}` : r.kind;
}
