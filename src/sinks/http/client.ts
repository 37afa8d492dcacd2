// The HTTP adapter: the only file in loghook that imports undici. One keep-alive `Pool` per
// endpoint, `request()` rather than fetch (5-9x faster here, see DEPENDENCIES.md), no pipelining
// (unsafe for POST retries), no redirects followed. `post()` never throws: every result, a
// response or a transport failure, comes back as an HttpOutcome that src/deliver/policy.ts
// classifies.
import { STATUS_CODES } from 'node:http';
import { Pool } from 'undici';
import { UsageError } from '../../util/errors.js';

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
      /** ECONNREFUSED, ECONNRESET, UND_ERR_HEADERS_TIMEOUT, UND_ERR_BODY_TIMEOUT, UND_ERR_SOCKET, ... */
      code: string;
      message: string;
    };

export interface HttpClientOptions {
  /** the endpoint; userinfo is not sent by this client (see basicAuthFromUrl in headers.ts) */
  url: string;
  /** connections to keep open = requests in flight at most (default 1) */
  connections?: number;
  /** time to wait for the response headers after the request starts, and then for each chunk of
   * its body (default 30 s) */
  timeoutMs?: number;
  /** time to establish a TCP/TLS connection (default 10 s) */
  connectTimeoutMs?: number;
  /** idle keep-alive connections are closed after this (default 4 s, undici's own) */
  keepAliveTimeoutMs?: number;
}

/** Bytes of the response body kept for the disposition. */
export const SNIPPET_BYTES = 256;
/** Beyond this many body bytes the connection is dropped rather than drained for keep-alive. */
const MAX_DRAIN_BYTES = 64 * 1024;

export class HttpClient {
  readonly url: string;
  private readonly pool: Pool;
  private readonly path: string;
  private readonly timeoutMs: number;

  constructor(opts: HttpClientOptions) {
    const u = parseEndpoint(opts.url);
    this.url = opts.url;
    this.path = u.pathname + u.search;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.pool = new Pool(u.origin, {
      connections: Math.max(1, opts.connections ?? 1),
      pipelining: 1,
      connectTimeout: opts.connectTimeoutMs ?? 10_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      ...(opts.keepAliveTimeoutMs !== undefined ? { keepAliveTimeout: opts.keepAliveTimeoutMs } : {}),
    });
  }

  /** POSTs `body`; resolves with the response or the transport error, never rejects. */
  async post(body: Buffer, headers: Record<string, string>): Promise<HttpOutcome> {
    let res;
    try {
      res = await this.pool.request({
        method: 'POST',
        path: this.path,
        body,
        headers,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (err) {
      return transportError(err);
    }
    // A 2xx is final as soon as its status arrives: the receiver has taken the records. Any other
    // response counts once its body has arrived: a reset in the middle of it is a transport error.
    let snippet: Buffer | null = null;
    try {
      if (res.statusCode >= 200 && res.statusCode <= 299) await res.body.dump({ limit: MAX_DRAIN_BYTES });
      else snippet = await readSnippet(res.body);
    } catch (err) {
      return transportError(err);
    }
    return {
      kind: 'response',
      status: res.statusCode,
      statusText: res.statusText || STATUS_CODES[res.statusCode] || '',
      headers: res.headers,
      bodySnippet: snippet === null ? '' : snippet.toString('utf8'),
    };
  }

  /** Waits for requests in flight, then closes the connections. */
  async close(): Promise<void> {
    if (!this.pool.closed && !this.pool.destroyed) await this.pool.close();
  }

  /** Aborts requests in flight (they resolve as UND_ERR_DESTROYED errors) and closes at once. */
  async destroy(): Promise<void> {
    if (!this.pool.destroyed) await this.pool.destroy();
  }
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

function transportError(err: unknown): HttpOutcome {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown; name?: unknown };
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
