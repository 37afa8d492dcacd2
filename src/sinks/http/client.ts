// The HTTP adapter: the only file in loghook that imports undici. One keep-alive `Pool` per
// endpoint, `request()` rather than fetch (5-9x faster here, measured when it was chosen), no pipelining
// (unsafe for POST retries), no redirects followed. `post()` never throws: every result, a
// response or a transport failure, comes back as an HttpOutcome that policy.ts classifies.
// TLS settings (tls.ts) and the proxy (proxy.ts) arrive as plain options; the dispatchers that
// apply them are built here: a Pool, a ProxyAgent for a configured proxy, an EnvHttpProxyAgent
// for HTTPS_PROXY and friends. Every connection of any of them goes through one wrapper that
// waits for `beforeConnect` (max_connection_rate) and forces `tls_server_name`.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Client, EnvHttpProxyAgent, Pool, ProxyAgent, type Dispatcher } from 'undici';
import { UsageError } from '../../util/errors.js';
import { formatDuration } from '../../config/units.js';
import type { TlsConnectOptions } from './tls.js';
import type { ProxySetting } from './proxy.js';
import { Deadlines, type Deadline } from './deadlines.js';
import { HOOK_DEFAULTS } from '../../config/defaults.js';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export type HttpOutcome =
  | {
      kind: 'response';
      status: number;
      statusText: string;
      /** lower-case names, as received (e.g. `retry-after`) */
      headers: ResponseHeaders;
      /** the first 256 bytes of the response body as text, the rest discarded unbuffered;
       * always '' for a 2xx, whose body nobody needs (it is drained, which is cheaper) */
      bodySnippet: string;
    }
  | {
      kind: 'error';
      /** ECONNREFUSED, ECONNRESET, REQUEST_TIMEOUT (the whole-request deadline), UND_ERR_SOCKET, ... */
      code: string;
      message: string;
    };

export interface HttpClientOptions {
  /** the endpoint; userinfo is not sent by this client (see basicAuthFromUrl in headers.ts) */
  url: string;
  /** connections to keep open = requests in flight at most (default 1) */
  connections?: number;
  /** the whole request's deadline, from its start (waiting for a connection included) to the
   * last byte of the answer (default 30 s): a receiver that trickles its answer a byte at a time
   * cannot hold a connection longer */
  timeoutMs?: number;
  /** time to establish a TCP/TLS connection (default 10 s) */
  connectTimeoutMs?: number;
  /** idle keep-alive connections are closed after this (default 4 s, undici's own) */
  keepAliveTimeoutMs?: number;
  /** default POST */
  method?: 'POST' | 'PUT';
  /** node:tls options for an https url (tls.ts); null or absent: Node's defaults */
  tls?: TlsConnectOptions | null;
  /** default: direct */
  proxy?: ProxySetting;
  /** a connection is closed and replaced after this many requests (undici maxRequestsPerClient) */
  maxRequestsPerConnection?: number;
  /** awaited before every new connection; false: do not connect (the sink is closing) */
  beforeConnect?: () => Promise<boolean>;
  /** share connections with the hook's other endpoints of the same origin (not with beforeConnect) */
  shared?: SharedConnections;
}

interface SharedEntry {
  pool: Dispatcher;
  alerts: Alerts;
  users: number;
  destroy: boolean;
}

/**
 * One hook's connections, by origin. A hook over a thousand tenant URLs on one host had a
 * thousand pools and a connection each, idle most of the time; its endpoints now share the
 * origin's pool (as many connections as the hook's concurrency), which closes when its last
 * endpoint does. Every option but the URL is the hook's, so one origin means one set of options.
 */
export class SharedConnections {
  private readonly entries = new Map<string, SharedEntry>();

  acquire(origin: string, make: (alerts: Alerts) => Dispatcher): SharedEntry {
    let e = this.entries.get(origin);
    if (e === undefined) {
      const alerts: Alerts = new Map();
      e = { pool: make(alerts), alerts, users: 0, destroy: false };
      this.entries.set(origin, e);
    }
    e.users++;
    return e;
  }

  /** An endpoint is done with `origin`; the last one closes the pool (destroys it, if any asked). */
  async release(origin: string, destroy: boolean): Promise<void> {
    const e = this.entries.get(origin);
    if (e === undefined) return;
    if (destroy) e.destroy = true;
    if (--e.users > 0) return;
    this.entries.delete(origin);
    await (e.destroy ? e.pool.destroy() : e.pool.close());
  }

  /** Origins with an open pool. */
  get size(): number {
    return this.entries.size;
  }
}

/** Bytes of the response body kept for the disposition. */
export const SNIPPET_BYTES = 256;
/** Beyond this many body bytes the connection is dropped rather than drained for keep-alive. */
const MAX_DRAIN_BYTES = 64 * 1024;

export class HttpClient {
  readonly url: string;
  private readonly pool: Dispatcher;
  private readonly origin: string;
  private readonly path: string;
  private readonly method: 'POST' | 'PUT';
  private readonly timeoutMs: number;
  private readonly deadlines: Deadlines;

  constructor(opts: HttpClientOptions) {
    const u = parseEndpoint(opts.url);
    this.url = opts.url;
    this.origin = u.origin;
    this.path = u.pathname + u.search;
    this.method = opts.method ?? 'POST';
    this.timeoutMs = opts.timeoutMs ?? HOOK_DEFAULTS.timeoutMs;
    this.deadlines = new Deadlines(this.timeoutMs);
    if (opts.shared && !opts.beforeConnect) {
      this.shared = opts.shared;
      const e = opts.shared.acquire(u.origin, (alerts) => buildDispatcher(u.origin, opts, this.timeoutMs, alerts));
      this.pool = e.pool;
      this.alerts = e.alerts;
    } else {
      this.alerts = new Map();
      this.pool = buildDispatcher(u.origin, opts, this.timeoutMs, this.alerts);
    }
    this.closeEach = opts.maxRequestsPerConnection === 1;
  }

  private readonly shared: SharedConnections | null = null;

  /** one request per connection: each asks for `Connection: close` */
  private readonly closeEach: boolean;

  /** TLS alerts the receiver sent after the handshake, by local port (see tlsAlertOf). */
  private readonly alerts: Alerts;

  /** Sends `body` (POST or PUT); resolves with the response or the transport error, never rejects. */
  async post(body: Buffer, headers: Record<string, string>): Promise<HttpOutcome> {
    // undici's headersTimeout and bodyTimeout restart with every chunk: only a signal bounds the
    // whole request. Aborting it destroys the connection, so the late answer cannot be mistaken.
    const deadline = this.deadlines.start();
    try {
      return await this.exchange(body, headers, deadline);
    } finally {
      this.deadlines.finish(deadline);
    }
  }

  private async exchange(body: Buffer, headers: Record<string, string>, deadline: Deadline): Promise<HttpOutcome> {
    let res;
    try {
      res = await this.pool.request({
        origin: this.origin,
        method: this.method,
        path: this.path,
        body,
        headers: this.closeEach ? { ...headers, connection: 'close' } : headers,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: deadline,
      });
    } catch (err) {
      if (deadline.aborted) return deadlineError(this.timeoutMs);
      return this.tlsAlertOf(err) ?? transportError(err);
    }
    // A 2xx is final as soon as its status arrives: the receiver has taken the records. Any other
    // response counts once its body has arrived: a reset in the middle of it is a transport error.
    let snippet: Buffer | null = null;
    try {
      if (res.statusCode >= 200 && res.statusCode <= 299) await res.body.dump({ limit: MAX_DRAIN_BYTES });
      else snippet = await readSnippet(res.body);
    } catch (err) {
      return deadline.aborted ? deadlineError(this.timeoutMs) : transportError(err);
    }
    return {
      kind: 'response',
      status: res.statusCode,
      statusText: res.statusText || STATUS_CODES[res.statusCode] || '',
      headers: res.headers,
      bodySnippet: snippet === null ? '' : snippet.toString('utf8'),
    };
  }

  /**
   * A TLS 1.3 server checks the client certificate after the handshake: it answers a refused
   * one with an alert and closes, and undici reports only "other side closed". The socket saw
   * the alert (connect() below keeps it by local port): that is the real reason.
   */
  private tlsAlertOf(err: unknown): HttpOutcome | null {
    if (this.alerts.size === 0) return null;
    const port = (err as { socket?: { localPort?: unknown } } | null)?.socket?.localPort;
    const alert = typeof port === 'number' ? this.alerts.get(port) : undefined;
    if (!alert) return null;
    this.alerts.delete(port as number);
    return { kind: 'error', code: alert.code, message: alert.message };
  }

  /** Waits for requests in flight, then closes the connections. */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await (this.shared ? this.shared.release(this.origin, false) : this.pool.close());
    }
  }

  /** Aborts requests in flight (they resolve as UND_ERR_DESTROYED errors) and closes at once. */
  async destroy(): Promise<void> {
    if (!this.destroyed) {
      const released = this.done;
      this.destroyed = this.done = true;
      if (!this.shared) await this.pool.destroy();
      else if (!released) await this.shared.release(this.origin, true);
    }
  }
  private done = false;
  private destroyed = false;
}

/** The error a connection gets when `beforeConnect` says no. */
const GATE_CLOSED = Object.assign(new Error('not connecting: the sink is closing'), { code: 'UND_ERR_DESTROYED' });

type Alerts = Map<number, { code: string; message: string }>;

function buildDispatcher(origin: string, o: HttpClientOptions, timeoutMs: number, alerts: Alerts): Dispatcher {
  const tls = o.tls ?? null;
  const servername = tls?.servername;
  const gate = o.beforeConnect;
  // Every Client (one connection at a time) connects through this: the rate gate, then undici's
  // own connector with our server name (undici would prefer the Host's name over ours).
  const clientFactory = (clientOrigin: string | URL, co: Client.Options): Client => {
    const inner = co.connect as (opts: Record<string, unknown>, cb: (err: Error | null, socket: unknown) => void) => void;
    const connect = (opts: Record<string, unknown>, cb: (err: Error | null, socket: unknown) => void) => {
      const done = (err: Error | null, socket: unknown) => {
        if (socket && opts.protocol === 'https:') watchAlerts(socket as Socket, alerts);
        cb(err, socket);
      };
      const go = () => inner(servername ? { ...opts, servername } : opts, done);
      if (!gate) return go();
      gate().then((ok) => (ok ? go() : cb(GATE_CLOSED, null)), (err: Error) => cb(err, null));
    };
    return new Client(clientOrigin, { ...co, connect: connect as unknown as Client.Options['connect'] });
  };
  const poolFactory = (poolOrigin: string | URL, po: object): Pool => new Pool(poolOrigin, { ...(po as Pool.Options), factory: clientFactory });
  const pool: Pool.Options = {
    connections: Math.max(1, o.connections ?? 1),
    pipelining: 1,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(o.keepAliveTimeoutMs !== undefined ? { keepAliveTimeout: o.keepAliveTimeoutMs } : {}),
    // undici closes a connection after maxRequestsPerClient + 1 requests (it counts from 0), and
    // 0 means no limit: 1 request per connection is done with `Connection: close` (post()).
    ...(o.maxRequestsPerConnection && o.maxRequestsPerConnection > 1 ? { maxRequestsPerClient: o.maxRequestsPerConnection - 1 } : {}),
  };
  const proxy = o.proxy ?? { kind: 'direct' };
  switch (proxy.kind) {
    case 'direct':
      return poolFactory(origin, { ...pool, ...(tls ? { connect: tls } : {}) });
    case 'url':
      return new ProxyAgent({ ...pool, uri: proxy.uri, ...(tls ? { requestTls: tls } : {}), factory: poolFactory });
    case 'env':
      return new EnvHttpProxyAgent({ ...pool, ...(tls ? { connect: tls, requestTls: tls } : {}), factory: poolFactory });
  }
}

/** Keeps the TLS alert a socket receives (ERR_SSL_*_ALERT_*), by its local port, a few at most. */
function watchAlerts(socket: Socket, alerts: Alerts): void {
  const port = socket.localPort;
  if (port === undefined) return;
  socket.on('error', (e: Error & { code?: string }) => {
    if (typeof e.code !== 'string' || !/^ERR_SSL_.*ALERT/.test(e.code)) return;
    if (alerts.size >= 64) alerts.delete(alerts.keys().next().value!);
    alerts.set(port, { code: e.code, message: e.message.split('\n')[0]! });
  });
}

/** Reads up to SNIPPET_BYTES; drains the rest (to keep the connection) or drops it if large. */
async function readSnippet(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<Buffer> {
  let kept: Buffer | null = null;
  let seen = 0;
  for await (const chunk of body) {
    if (seen < SNIPPET_BYTES) {
      const part = chunk.subarray(0, SNIPPET_BYTES - seen);
      kept = kept === null ? Buffer.from(part) : Buffer.concat([kept, part]);
    }
    seen += chunk.length;
    if (seen > MAX_DRAIN_BYTES) break; // `break` destroys the body and its connection
  }
  return kept ?? Buffer.alloc(0);
}

/** The whole-request deadline (`timeout`) passed before the answer was complete. */
function deadlineError(timeoutMs: number): HttpOutcome {
  return { kind: 'error', code: 'REQUEST_TIMEOUT', message: `no complete answer within the ${formatDuration(timeoutMs)} timeout (it covers the whole request)` };
}

function transportError(err: unknown): HttpOutcome {
  let e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown; name?: unknown };
  // A certificate failure behind a proxy tunnel comes wrapped: the cause says what failed.
  if (e?.code === 'UND_ERR_PRX_TLS' && e.cause) e = e.cause as typeof e;
  const inner = Array.isArray(e?.errors) ? (e.errors[0] as typeof e | undefined) : undefined;
  const cause = e?.cause as typeof e | undefined;
  const code =
    str(e?.code) ?? str(inner?.code) ?? str(cause?.code) ?? str(e?.name) ?? 'UNKNOWN';
  let message = str(e?.message) ?? '';
  if (!message && Array.isArray(e?.errors)) {
    message = (e.errors as { message?: unknown }[]).map((x) => str(x?.message) ?? '').filter(Boolean).join('; ');
  }
  if (!message) message = String(err);
  return { kind: 'error', code, message };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Checks an endpoint URL: http(s) only. Throws UsageError naming the URL otherwise. */
export function parseEndpoint(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // not echoed: it may carry a password
    throw new UsageError('the endpoint URL is not a valid URL (expected e.g. https://host/path)');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError(`endpoint URL must start with http:// or https://, got "${u.protocol}"`);
  }
  return u;
}
