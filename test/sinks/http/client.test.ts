import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { HttpClient, parseEndpoint } from '../../../src/sinks/http/client.js';
import { UsageError } from '../../../src/util/errors.js';
import { Receiver } from '../../helpers/receiver.js';

async function withReceiver(fn: (rx: Receiver) => Promise<void>, opts = {}) {
  const rx = await Receiver.start(opts);
  try {
    await fn(rx);
  } finally {
    await rx.close();
  }
}

test('posts the body and headers and returns the response', () =>
  withReceiver(async (rx) => {
    const c = new HttpClient({ url: rx.url + '?a=1' });
    rx.script({ status: 202, body: 'accepted' });
    const out = await c.post(Buffer.from('{"a":1}\n'), { 'content-type': 'application/json', 'x-k': 'v' });
    assert.deepEqual({ ...out, headers: undefined }, { kind: 'response', status: 202, statusText: 'Accepted', headers: undefined, bodySnippet: '' });
    const r = rx.requests[0]!;
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/hook?a=1');
    assert.equal(r.body.toString(), '{"a":1}\n');
    assert.equal(r.headers['x-k'], 'v');
    await c.close();
  }));

test('returns Retry-After and only the first 256 bytes of a large body', () =>
  withReceiver(async (rx) => {
    const c = new HttpClient({ url: rx.url });
    rx.script({ status: 503, headers: { 'retry-after': '7' }, body: 'e'.repeat(300_000) }, { status: 200, body: 'f'.repeat(300_000) }, { status: 200 });
    const out = await c.post(Buffer.from('x'), {});
    assert.ok(out.kind === 'response');
    assert.equal(out.status, 503);
    assert.equal(out.statusText, 'Service Unavailable');
    assert.equal(out.headers['retry-after'], '7');
    assert.equal(out.bodySnippet, 'e'.repeat(256));
    // a large 2xx body is dropped too, and the client still works afterwards
    assert.ok((await c.post(Buffer.from('x'), {})).kind === 'response');
    const last = await c.post(Buffer.from('x'), {});
    assert.ok(last.kind === 'response' && last.status === 200);
    await c.close();
  }));

test('does not follow redirects', () =>
  withReceiver(async (rx) => {
    const c = new HttpClient({ url: rx.url });
    rx.script({ status: 301, headers: { location: '/elsewhere' } });
    const out = await c.post(Buffer.from('x'), {});
    assert.ok(out.kind === 'response' && out.status === 301);
    assert.equal(rx.requests.length, 1);
    await c.close();
  }));

test('connection refused is an ECONNREFUSED error', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const c = new HttpClient({ url: `http://127.0.0.1:${port}/` });
  const out = await c.post(Buffer.from('x'), {});
  assert.equal(out.kind, 'error');
  assert.ok(out.kind === 'error' && out.code === 'ECONNREFUSED', JSON.stringify(out));
  await c.close();
});

test('a socket reset mid-request is a transport error', () =>
  withReceiver(async (rx) => {
    const c = new HttpClient({ url: rx.url });
    rx.script({ reset: true });
    const out = await c.post(Buffer.from('x'), {});
    assert.ok(out.kind === 'error', JSON.stringify(out));
    assert.match(out.code, /^(UND_ERR_SOCKET|ECONNRESET|EPIPE)$/);
    await c.close();
  }));

test('a receiver that never answers times out with REQUEST_TIMEOUT', () =>
  withReceiver(async (rx) => {
    const c = new HttpClient({ url: rx.url, timeoutMs: 200 });
    rx.script({ hang: true });
    const out = await c.post(Buffer.from('x'), {});
    assert.ok(out.kind === 'error' && out.code === 'REQUEST_TIMEOUT', JSON.stringify(out));
    assert.match(out.message, /200ms timeout \(it covers the whole request\)/);
    await c.close();
  }));

test('a response body that stalls times out with REQUEST_TIMEOUT', () =>
  withReceiver(async (rx) => {
    const c = new HttpClient({ url: rx.url, timeoutMs: 200 });
    rx.script({ status: 503, stall: true });
    const out = await c.post(Buffer.from('x'), {});
    assert.ok(out.kind === 'error' && out.code === 'REQUEST_TIMEOUT', JSON.stringify(out));
    await c.close();
  }));

/**
 * A raw TCP receiver that reads a request and answers `answer` one byte every `everyMs`; says
 * how many bytes it wrote before the client hung up, and whether it wrote them all.
 */
async function trickler(answer: string, everyMs: number) {
  const seen: { written: number; finished: boolean; closed: Promise<void> }[] = [];
  const srv = createServer((sock) => {
    const state = { written: 0, finished: false, closed: new Promise<void>((r) => sock.on('close', () => r())) };
    seen.push(state);
    sock.on('error', () => undefined);
    sock.once('data', () => {
      const t = setInterval(() => {
        if (sock.destroyed || state.written >= answer.length) {
          clearInterval(t);
          state.finished = state.written >= answer.length;
          if (state.finished) sock.end();
          return;
        }
        sock.write(answer[state.written++]!);
      }, everyMs);
      sock.on('close', () => clearInterval(t));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/hook`, seen, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

test('a receiver trickling its status line and headers byte by byte is cut off at the timeout', async () => {
  // ~100 bytes x 50 ms = 5 s for the whole answer, each byte well within the 1 s timeout
  const answer = 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\ntrickling slowly....';
  const rx = await trickler(answer, 50);
  try {
    const c = new HttpClient({ url: rx.url, timeoutMs: 1000 });
    const out = await c.post(Buffer.from('x'), {});
    assert.ok(out.kind === 'error' && out.code === 'REQUEST_TIMEOUT', JSON.stringify(out));
    // the receiver's own view: the client hung up before the answer was complete
    await rx.seen[0]!.closed;
    assert.equal(rx.seen[0]!.finished, false);
    assert.ok(rx.seen[0]!.written > 3 && rx.seen[0]!.written < answer.length, `wrote ${rx.seen[0]!.written} of ${answer.length} bytes`);
    await c.destroy();
  } finally {
    await rx.close();
  }
});

test('a response body trickling byte by byte is cut off at the timeout for the whole request (issue 10)', async () => {
  // Each byte arrives 5 ms after the last, so undici's bodyTimeout (restarted by every chunk)
  // never fires: without the deadline the request lasts as long as the receiver likes.
  const head = 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 200\r\n\r\n';
  const rx = await trickler(head + '.'.repeat(200), 5);
  try {
    // the headers arrive in ~0.3 s, the body would take 1 s more
    const c = new HttpClient({ url: rx.url, timeoutMs: 700 });
    const out = await c.post(Buffer.from('x'), {});
    assert.ok(out.kind === 'error' && out.code === 'REQUEST_TIMEOUT', JSON.stringify(out));
    await rx.seen[0]!.closed;
    assert.equal(rx.seen[0]!.finished, false);
    assert.ok(rx.seen[0]!.written > head.length, `the headers had arrived: wrote ${rx.seen[0]!.written}`);
    await c.destroy();
  } finally {
    await rx.close();
  }
});

test('keeps `connections` requests in flight at most, over keep-alive connections', () =>
  withReceiver(
    async (rx) => {
      const c = new HttpClient({ url: rx.url, connections: 3 });
      const outs = await Promise.all(Array.from({ length: 12 }, () => c.post(Buffer.from('x'), {})));
      assert.ok(outs.every((o) => o.kind === 'response' && o.status === 200));
      assert.equal(rx.maxConcurrent, 3);
      const connections = new Set(rx.requests.map((r) => r.remotePort));
      assert.equal(connections.size, 3, 'keep-alive: 12 requests over 3 connections');
      await c.close();
    },
    { defaultResponse: { delayMs: 30 } },
  ));

test('destroy() ends requests in flight as errors', () =>
  withReceiver(async (rx) => {
    const c = new HttpClient({ url: rx.url });
    rx.script({ hang: true });
    const p = c.post(Buffer.from('x'), {});
    await rx.waitForRequests(1);
    await c.destroy();
    const out = await p;
    assert.ok(out.kind === 'error', JSON.stringify(out));
  }));

test('only http and https URLs are accepted, and a bad URL is not echoed', () => {
  assert.throws(() => parseEndpoint('ftp://h/'), UsageError);
  assert.throws(() => parseEndpoint('http//u:secret@h'), (e: unknown) => e instanceof UsageError && !e.message.includes('secret'));
});
