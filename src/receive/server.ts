// `loghook receive`: a small webhook receiver for trying loghook on one machine and for debugging
// (what `svix listen` is for Svix). It prints every request, undoes Content-Encoding, reads every
// body shape loghook sends, checks Standard Webhooks signatures when given a secret, and answers
// a chosen status so that retries can be tried.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { UsageError, errnoCode, errorMessage } from '../util/errors.js';
import { BodyError, header, parseBody, type ParsedBody } from './body.js';
import { EncodingError, decodeBody } from './decode.js';
import { formatReport, listening, type PrintFormat, type RequestReport } from './print.js';
import type { SignatureVerifier, Verdict } from './verify.js';

export interface ReceiveOptions {
  host: string;
  /** 0 picks a free port */
  port: number;
  /** the answer to every request whose body reads and whose signature (if checked) holds */
  status: number;
  /** answer `status` only to the first N such requests, 200 after them (a receiver that recovers) */
  failFirst?: number;
  /** stop after this many requests */
  count?: number;
  verifier?: SignatureVerifier;
  format: PrintFormat;
  out: Writable;
  signal: AbortSignal;
  /** a larger body is answered 413 (default 64 MiB) */
  maxBodyBytes?: number;
}

export interface ReceiveResult {
  requests: number;
}

export async function receive(opts: ReceiveOptions): Promise<ReceiveResult> {
  const maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  let seq = 0;
  let answered = 0;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));

  const server = createServer((req, res) => {
    const mySeq = ++seq;
    res.once('finish', () => {
      if (opts.count !== undefined && ++answered >= opts.count) stop();
    });
    void readBody(req, maxBodyBytes)
      .then((body) => {
        const report = handle(mySeq, req, body, opts);
        opts.out.write(formatReport(report, opts.format));
        answer(res, report);
      })
      .catch((err: unknown) => {
        // A bug here must not take the receiver down: say so, answer 500, go on.
        process.stderr.write(`loghook receive: request #${mySeq}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('internal error\n');
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      const why = errnoCode(err) === 'EADDRINUSE' ? 'the address is in use' : errorMessage(err);
      reject(new UsageError(`cannot listen on ${opts.host}:${opts.port}: ${why}; choose another --port (0 picks a free one) or --host`));
    });
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  opts.out.write(listening(`http://${host}:${addr.port}/`, opts.format));

  const onAbort = () => stop();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  if (opts.signal.aborted) stop();
  await stopped;
  opts.signal.removeEventListener('abort', onAbort);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections (loghook keeps one per request in flight) would hold close() open.
    server.closeAllConnections();
  });
  return { requests: seq };
}

type Body = { ok: true; bytes: Buffer } | { ok: false; tooLarge: number };

function readBody(req: IncomingMessage, max: number): Promise<Body> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      if (n <= max) chunks.push(c);
    });
    req.on('end', () => resolve(n > max ? { ok: false, tooLarge: n } : { ok: true, bytes: Buffer.concat(chunks) }));
    // A sender that goes away mid-body: report what came.
    req.on('aborted', () => resolve({ ok: true, bytes: Buffer.concat(chunks) }));
  });
}

function handle(seq: number, req: IncomingMessage, body: Body, opts: ReceiveOptions): RequestReport {
  const base = { seq, method: req.method ?? '?', path: req.url ?? '/', headers: req.headers };
  if (!body.ok) {
    return { ...base, bytes: body.tooLarge, decodedBytes: body.tooLarge, body: null, signature: null, error: `body larger than ${opts.maxBodyBytes ?? 64 * 1024 * 1024} bytes`, status: 413 };
  }
  let decoded: Buffer;
  try {
    decoded = decodeBody(body.bytes, header(req.headers, 'content-encoding') ?? undefined);
  } catch (err) {
    const status = err instanceof EncodingError ? err.status : 400;
    return { ...base, bytes: body.bytes.length, decodedBytes: 0, body: null, signature: null, error: errorMessage(err), status };
  }
  const signature: Verdict | null = opts.verifier ? opts.verifier.verify(req.headers, decoded, body.bytes) : null;
  let parsed: ParsedBody | null = null;
  let error: string | null = null;
  try {
    parsed = parseBody(decoded, req.headers);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    error = err.message;
  }
  let status = opts.failFirst === undefined || seq <= opts.failFirst ? opts.status : 200;
  if (error) status = 400;
  if (signature && !signature.ok) status = 401;
  return { ...base, bytes: body.bytes.length, decodedBytes: decoded.length, body: parsed, signature, error, status };
}

function answer(res: ServerResponse, r: RequestReport): void {
  const text = r.signature && !r.signature.ok ? `signature verification failed: ${r.signature.reason}` : (r.error ?? (r.status < 300 ? 'ok' : `answered ${r.status} as asked (--status)`));
  res.writeHead(r.status, { 'content-type': 'text/plain; charset=utf-8' }).end(text + '\n');
}
