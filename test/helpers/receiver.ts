// A real webhook receiver for tests: node:http on 127.0.0.1, port 0. Each request takes the next
// scripted response (default 200 "ok"); every request is recorded with its headers and body.
//
//   const rx = await Receiver.start();
//   rx.script({ status: 500 }, { status: 503, headers: { 'retry-after': '5' } }, { reset: true });
//   ... rx.requests, rx.eventIds(), rx.records(), await rx.waitForRequests(3)
//   await rx.close();
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { parseEventIdList } from '../../src/hook/event-id-list.js';

export interface ScriptedResponse {
  /** default 200 */
  status?: number;
  headers?: Record<string, string>;
  /** default "ok" */
  body?: string | Buffer;
  /** real milliseconds to wait before answering */
  delayMs?: number;
  /** read the request, then destroy the socket without answering */
  reset?: boolean;
  /** read the request and never answer (until close()) */
  hang?: boolean;
  /** send the status line and headers, then nothing more (a stalled body) */
  stall?: boolean;
}

export interface ReceivedRequest {
  /** 0-based arrival order */
  seq: number;
  method: string;
  url: string;
  /** lower-case names */
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** the client's port: requests sharing it came over one keep-alive connection */
  remotePort: number;
  /** when the body had fully arrived (the `now` option, default Date.now) */
  receivedAt: number;
  /** what the receiver answered (after the fact: reset/hang included) */
  response: ScriptedResponse;
  /** https only: the SNI name the client sent, and the client certificate's CN if it sent one */
  tls?: { servername: string | null; clientCN: string | null; authorized: boolean };
}

export interface ReceiverOptions {
  /** answer when the script is empty (default 200 "ok") */
  defaultResponse?: ScriptedResponse;
  /** decides every response itself (the script is then ignored) */
  respond?: (req: ReceivedRequest) => ScriptedResponse;
  now?: () => number;
  /** serve https with these options (cert, key, ca, requestCert...) */
  tls?: HttpsOptions;
  /** answer 400 to a request with a header line (name, ": ", value) longer than this, as nginx
   * does beyond large_client_header_buffers (8 KiB by default) */
  maxHeaderLineBytes?: number;
}

export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  /** requests being handled right now, and the most there ever were at once */
  concurrent = 0;
  maxConcurrent = 0;
  private readonly queue: ScriptedResponse[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly waiters: { n: number; resolve: () => void }[] = [];
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    private readonly opts: ReceiverOptions,
  ) {}

  /** connections accepted so far */
  connections = 0;

  static async start(opts: ReceiverOptions = {}): Promise<Receiver> {
    let rx!: Receiver;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      rx.concurrent++;
      rx.maxConcurrent = Math.max(rx.maxConcurrent, rx.concurrent);
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          rx.concurrent--;
        }
      };
      res.on('close', finish);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: ReceivedRequest = {
          seq: rx.requests.length,
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks),
          remotePort: req.socket.remotePort ?? 0,
          receivedAt: (rx.opts.now ?? Date.now)(),
          response: {},
          ...(rx.opts.tls ? { tls: tlsInfo(req.socket as TLSSocket) } : {}),
        };
        const spec = tooLongHeaderLine(req, rx.opts.maxHeaderLineBytes)
          ? { status: 400, body: 'Request Header Or Cookie Too Large' }
          : rx.opts.respond ? rx.opts.respond(r) : (rx.queue.shift() ?? rx.opts.defaultResponse ?? {});
        r.response = spec;
        rx.requests.push(r);
        rx.notify();
        const answer = () => {
          if (spec.reset) {
            req.socket.destroy();
            finish();
            return;
          }
          if (spec.hang) {
            rx.hanging.add(res);
            return;
          }
          if (spec.stall) {
            res.writeHead(spec.status ?? 200, spec.headers ?? {});
            res.flushHeaders();
            rx.hanging.add(res);
            return;
          }
          res.writeHead(spec.status ?? 200, spec.headers ?? {});
          res.end(spec.body ?? 'ok');
        };
        if (spec.delayMs) setTimeout(answer, spec.delayMs);
        else answer();
      });
    };
    const server: Server = opts.tls ? createHttpsServer(opts.tls, handler) : createServer(handler);
    server.on('connection', (s: Socket) => {
      rx.connections++;
      rx.sockets.add(s);
      s.on('close', () => rx.sockets.delete(s));
    });
    rx = new Receiver(server, opts);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return rx;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${this.port}/hook`;
  }

  /** Queues responses for the next requests, in order. */
  script(...responses: ScriptedResponse[]): this {
    this.queue.push(...responses);
    return this;
  }

  /** Requests that were answered with a 2xx. */
  accepted(): ReceivedRequest[] {
    return this.requests.filter((r) => !r.response.reset && !r.response.hang && Math.floor((r.response.status ?? 200) / 100) === 2);
  }

  /** Event ids of the records received: `webhook-id` of single records, `loghook-event-ids` of batches. */
  eventIds(opts: { acceptedOnly?: boolean } = {}): string[] {
    const out: string[] = [];
    for (const r of opts.acceptedOnly ? this.accepted() : this.requests) out.push(...Receiver.eventIdsOf(r));
    return out;
  }

  static eventIdsOf(r: Pick<ReceivedRequest, 'headers'>): string[] {
    const list = r.headers['loghook-event-ids'];
    if (typeof list === 'string' && list !== '') return parseEventIdList(list);
    const id = r.headers['webhook-id'];
    return typeof id === 'string' ? [id] : [];
  }

  /** The records of every request (or of accepted ones), parsed from array, ndjson or single bodies. */
  records(opts: { acceptedOnly?: boolean } = {}): unknown[] {
    const out: unknown[] = [];
    for (const r of opts.acceptedOnly ? this.accepted() : this.requests) out.push(...Receiver.parseBody(r));
    return out;
  }

  static parseBody(r: Pick<ReceivedRequest, 'headers' | 'body'>): unknown[] {
    const text = r.body.toString('utf8');
    if (String(r.headers['content-type']).startsWith('application/x-ndjson')) {
      return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
    }
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v : [v];
  }

  /** Resolves once `n` requests have arrived in all; rejects after `timeoutMs` real ms. */
  waitForRequests(n: number, timeoutMs = 5000): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const w = {
        n,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`receiver: waited ${timeoutMs}ms for ${n} requests, got ${this.requests.length}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Stops listening and drops every connection (hanging requests included). */
  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    for (const w of [...this.waiters]) {
      if (this.requests.length >= w.n) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
}

function tooLongHeaderLine(req: IncomingMessage, max: number | undefined): boolean {
  if (max === undefined) return false;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) if (Buffer.byteLength(raw[i]!) + 2 + Buffer.byteLength(raw[i + 1]!) > max) return true;
  return false;
}

function tlsInfo(s: TLSSocket): NonNullable<ReceivedRequest['tls']> {
  const peer = s.getPeerCertificate();
  const cn = peer && peer.subject ? peer.subject.CN : undefined;
  return { servername: typeof s.servername === 'string' ? s.servername : null, clientCN: typeof cn === 'string' ? cn : null, authorized: s.authorized };
}
