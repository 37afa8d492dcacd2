// The /metrics, /healthz and /readyz listener ([metrics] listen, --metrics-listen): plain
// node:http, GET and HEAD only, nothing else served. /healthz answers 200 while the process runs
// (a liveness probe); /readyz 200 or 503 with the reason as one plain-text line.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { UsageError, errnoCode, errorMessage } from '../util/errors.js';
import type { Verdict } from './readiness.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface MetricsRoutes {
  metrics(): Promise<{ contentType: string; body: string }>;
  ready(): Verdict;
}

export class MetricsServer {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly address: ListenAddress,
  ) {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  /** Listens at `at`; `setting` names where the address came from, for the error of a bind that fails. */
  static async listen(at: ListenAddress, setting: string, routes: MetricsRoutes): Promise<MetricsServer> {
    const server = createServer((req, res) => void handle(req, res, routes));
    // a scraper that holds a connection open must not hold up the shutdown
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      throw new UsageError(`${setting} ${hostPort(at)}: cannot listen there: ${bindProblem(err)}`);
    });
    server.unref();
    const a = server.address() as AddressInfo;
    return new MetricsServer(server, { host: a.address, port: a.port });
  }

  get url(): string {
    return `http://${hostPort(this.address)}`;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: MetricsRoutes): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'only GET and HEAD are served', { allow: 'GET, HEAD' });
  try {
    if (path === '/metrics') {
      const m = await routes.metrics();
      res.writeHead(200, { 'content-type': m.contentType });
      res.end(req.method === 'HEAD' ? undefined : m.body);
      return;
    }
    if (path === '/healthz') return plain(res, 200, 'ok');
    if (path === '/readyz') {
      const v = routes.ready();
      return plain(res, v.ready ? 200 : 503, v.reason);
    }
    plain(res, 404, 'not found: /metrics, /healthz and /readyz are served here');
  } catch (err) {
    plain(res, 500, `cannot collect the metrics: ${errorMessage(err)}`);
  }
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

function hostPort(a: ListenAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function bindProblem(err: unknown): string {
  const code = errnoCode(err);
  if (code === 'EADDRINUSE') return 'the address is in use (another loghook, or another exporter on that port): choose another port';
  if (code === 'EADDRNOTAVAIL') return 'no interface of this machine has that address: use 127.0.0.1, 0.0.0.0 or an address of this machine';
  if (code === 'EACCES') return 'permission denied (ports below 1024 need privileges): choose a port above 1023';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the host name does not resolve: use an IP address';
  return errorMessage(err);
}
