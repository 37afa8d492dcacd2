// The NATS adapter: the only file in loghook that imports @nats-io (transport-node for the
// connection, jetstream for publish-and-ack). The connection is made on demand, like AMQP's: a
// send that finds no server reports it, and the dispatcher's endpoint breaker paces the next try.
// Once connected, the library itself reconnects (forever, 1 s apart, jittered) and this client
// answers "disconnected" at once while it does, so the breaker opens instead of requests piling
// up in the library's buffer. `publish()` never rejects: every answer comes back as a
// NatsPublishResult for policy.ts.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { lazyModule } from '../../util/lazy-require.js';
import { UsageError, errorMessage } from '../../util/errors.js';
import type { Logger } from '../../telemetry/logger.js';
import type { TlsMaterial } from '../tls-files.js';

const nats = lazyModule<typeof import('@nats-io/transport-node')>('@nats-io/transport-node');
const js = lazyModule<typeof import('@nats-io/jetstream')>('@nats-io/jetstream');

export type NatsPublishResult =
  | { kind: 'ack'; stream: string; seq: number; duplicate: boolean }
  /** no stream listens on the subject (or JetStream is off): "no responders" */
  | { kind: 'no-stream'; subject: string }
  /** the stream refused the message: full, too large for it, ... (its own words) */
  | { kind: 'api-error'; status: number; errCode: number; description: string }
  /** larger than the server's max_payload (the client does not even send it) */
  | { kind: 'too-large'; bytes: number; maxPayload: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'disconnected'; message: string }
  | { kind: 'permission'; message: string }
  | { kind: 'connect-failed'; code: string; auth: boolean; message: string };

export interface NatsAuth {
  token?: string;
  user?: string;
  password?: string;
  nkeySeed?: string;
  credsFile?: string;
}

export interface NatsClientOptions {
  servers: string[];
  masked: string;
  auth: NatsAuth;
  tls: TlsMaterial | null;
  ackTimeoutMs: number;
  connectTimeoutMs: number;
  version: string;
  logger: Logger;
}

interface Conn {
  nc: NatsConnection;
  js: JetStreamClient;
  down: boolean;
}

export class NatsClient {
  private conn: Conn | null = null;
  private opening: Promise<Conn> | null = null;
  private readonly base: ConnectionOptions;
  private destroyed = false;

  constructor(private readonly o: NatsClientOptions) {
    const a = o.auth;
    const base: ConnectionOptions = {
      servers: o.servers,
      name: `loghook/${o.version}`,
      timeout: o.connectTimeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      waitOnFirstConnect: false,
      // no Error (and stack) captured per request in case it fails: every failure becomes a
      // NatsPublishResult here, and the capture was a tenth of the CPU of a publish
      noAsyncTraces: true,
    };
    if (a.token !== undefined) base.token = a.token;
    if (a.user !== undefined) {
      base.user = a.user;
      base.pass = a.password ?? '';
    }
    if (a.nkeySeed !== undefined) base.authenticator = nats().nkeyAuthenticator(new TextEncoder().encode(a.nkeySeed));
    if (a.credsFile !== undefined) {
      let creds: Uint8Array;
      try {
        creds = readFileSync(a.credsFile);
      } catch (err) {
        throw new UsageError(`creds_file ${a.credsFile}: cannot read it (${errorMessage(err)})`);
      }
      base.authenticator = nats().credsAuthenticator(creds);
    }
    // plain node:tls options (tls-files.ts): the transport merges them into tls.connect's
    if (o.tls) base.tls = { ...o.tls } as ConnectionOptions['tls'];
    this.base = base;
  }

  async publish(subject: string, data: Uint8Array, msgId: string, hdrs: Record<string, string>): Promise<NatsPublishResult> {
    let c: Conn;
    try {
      c = await this.connection();
    } catch (err) {
      return connectFailed(err);
    }
    if (c.down) return { kind: 'disconnected', message: `reconnecting to ${this.o.masked}` };
    const max = c.nc.info?.max_payload ?? Infinity;
    if (data.length > max) return { kind: 'too-large', bytes: data.length, maxPayload: max };
    const h = nats().headers();
    for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
    try {
      const ack = await c.js.publish(subject, data, { msgID: msgId, headers: h, timeout: this.o.ackTimeoutMs });
      return { kind: 'ack', stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      return this.publishFailed(err, c, subject, data.length, max);
    }
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    if (c) await c.nc.drain().catch(() => c.nc.close().catch(() => undefined));
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    const c = this.conn;
    this.conn = null;
    if (c) await c.nc.close().catch(() => undefined);
  }

  private connection(): Promise<Conn> {
    if (this.conn && !this.conn.nc.isClosed()) return Promise.resolve(this.conn);
    this.opening ??= this.open().finally(() => (this.opening = null));
    return this.opening;
  }

  private async open(): Promise<Conn> {
    const nc = await nats().connect(this.base);
    if (this.destroyed) {
      await nc.close();
      throw new (nats().ConnectionError)('the sink was stopped');
    }
    const c: Conn = { nc, js: js().jetstream(nc, { timeout: this.o.ackTimeoutMs }), down: false };
    this.conn = c;
    this.o.logger.info('connected to NATS', { servers: this.o.masked });
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          c.down = true;
          this.o.logger.warn('lost the NATS connection; reconnecting', { servers: this.o.masked });
        } else if (s.type === 'reconnect') {
          c.down = false;
          this.o.logger.info('reconnected to NATS', { servers: this.o.masked });
        }
      }
    })().catch(() => undefined);
    void nc.closed().then(() => {
      if (this.conn === c) this.conn = null;
    });
    return c;
  }

  private publishFailed(err: unknown, c: Conn, subject: string, bytes: number, max: number): NatsPublishResult {
    if (noResponders(err)) return { kind: 'no-stream', subject };
    if (err instanceof js().JetStreamApiError) return { kind: 'api-error', status: err.status, errCode: err.code, description: err.message };
    if (err instanceof nats().InvalidArgumentError && /max_payload/.test(err.message)) return { kind: 'too-large', bytes, maxPayload: max };
    if (err instanceof nats().PermissionViolationError) return { kind: 'permission', message: err.message };
    if (err instanceof nats().TimeoutError) {
      return c.down ? { kind: 'disconnected', message: 'the connection dropped before the ack' } : { kind: 'timeout', ms: this.o.ackTimeoutMs };
    }
    return { kind: 'disconnected', message: errorMessage(err) };
  }
}

function connectFailed(err: unknown): NatsPublishResult {
  const auth = err instanceof nats().AuthorizationError || err instanceof nats().UserAuthenticationExpiredError;
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : auth ? 'AUTHORIZATION' : err instanceof nats().ConnectionError ? 'ECONNECT' : 'ERROR';
  const message = typeof cause?.message === 'string' ? `${errorMessage(err)}: ${cause.message}` : errorMessage(err);
  return { kind: 'connect-failed', code, auth, message };
}

/** JetStream's "no responders": nothing listens on the subject (the library calls it JetStreamNotEnabled). */
function noResponders(err: unknown): boolean {
  const cause = (err as { cause?: unknown })?.cause;
  return (cause instanceof nats().RequestError && cause.isNoResponders()) || (err instanceof nats().RequestError && err.isNoResponders());
}
