// The HTTP sink's options through the real Dispatcher, over the in-memory queue: what a tail
// run with a secure hook does end to end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { Dispatcher } from '../../../src/deliver/dispatcher.js';
import { HttpSink, type HttpSinkOptions } from '../../../src/sinks/http/sink.js';
import { FakeQueue } from '../../deliver/fake-queue.js';
import { captureLogger, record, until, type LogLine } from '../../deliver/harness.js';
import { ManualClock, seededRandom } from '../../helpers/manual-clock.js';
import { Receiver, type ReceiverOptions } from '../../helpers/receiver.js';
import { makePki, type TestPki } from './certs.js';
import { plainBody } from './support.js';

let pki: TestPki;
before(() => (pki = makePki()));
after(() => pki.cleanup());

async function run(receiver: ReceiverOptions, sinkOpts: Partial<HttpSinkOptions>, fn: (e: { rx: Receiver; queue: FakeQueue; d: Dispatcher; sink: HttpSink; logs: LogLine[]; now: number }) => Promise<void>) {
  const rx = await Receiver.start(receiver);
  const clock = new ManualClock(Date.now());
  const queue = new FakeQueue();
  const logs: LogLine[] = [];
  const sink = new HttpSink({ url: rx.url, version: '1', connections: 4, timeoutMs: 5000, logger: captureLogger(logs), clock, ...sinkOpts });
  const d = new Dispatcher({ sink, queue, clock, random: seededRandom(3), logger: captureLogger(logs), batchSize: 100, concurrency: 4 });
  try {
    await fn({ rx, queue, d, sink, logs, now: clock.now() });
  } finally {
    await d.stop({ timeoutMs: 0 });
    await sink.destroy();
    await rx.close();
  }
}

test('https + Standard Webhooks + gzip: every batch arrives verified, every record once, each batch in order', async () => {
  const key = 'whsec_' + randomBytes(32).toString('base64');
  await run({ tls: { cert: pki.server.cert, key: pki.server.key } }, { caFile: pki.caFile, signingSecrets: [key], compression: 'gzip' }, async ({ rx, queue, d, now }) => {
    for (let r = 0; r < 5; r++) queue.add(Array.from({ length: 100 }, (_, i) => record(r * 100 + i)), { createdAt: now });
    void d.start();
    await until(() => queue.delivered.length === 500, 'all delivered', 10_000);
    const batches: { id: string }[][] = [];
    for (const r of rx.requests) {
      assert.equal(r.headers['content-encoding'], 'gzip');
      batches.push(new Webhook(key).verify(plainBody(r), r.headers as Record<string, string>) as { id: string }[]);
    }
    // four requests in flight on four connections may arrive in any order; each holds its records in order
    batches.sort((a, b) => a[0]!.id.localeCompare(b[0]!.id));
    assert.deepEqual(batches.flat(), Array.from({ length: 500 }, (_, i) => record(i)));
  });
});

test('a certificate failure keeps every record queued, backs the endpoint off, and is counted for --once', () =>
  run({ tls: { cert: pki.expired.cert, key: pki.expired.key } }, { caFile: pki.caFile }, async ({ queue, d, sink, now }) => {
    queue.add(Array.from({ length: 10 }, (_, i) => record(i)), { createdAt: now });
    void d.start();
    await until(() => queue.retries.length === 1, 'a retry');
    assert.equal(queue.dead.length, 0);
    assert.equal(queue.retries[0]!.eventIds.length, 10);
    assert.match(queue.retries[0]!.disposition, /^TLS error: the receiver's certificate has expired/);
    assert.equal(d.stats().endpoint, 'open');
    assert.equal(sink.tlsFailures, 1);
    assert.match(sink.lastTlsFailure!, /has expired/);
  }));

test('a receiver that is simply down is not counted as a certificate failure', async () => {
  const rx = await Receiver.start();
  const url = rx.url.replace('http:', 'https:');
  await rx.close();
  const sink = new HttpSink({ url, version: '1', connections: 1, timeoutMs: 2000, logger: captureLogger([]), caFile: pki.caFile });
  try {
    const out = await sink.send({ slices: [], records: 0, eventIds: [], id: 'x', attempt: 1, now: Date.now(), format: 'array' });
    assert.equal(out.kind, 'unreachable');
    assert.equal(sink.tlsFailures, 0);
  } finally {
    await sink.destroy();
  }
});
