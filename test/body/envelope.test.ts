// batch_format = "envelope", and shaped bodies with the request's other steps: the envelope
// carries the same event ids as the headers; signing covers the shaped body (verified with the
// standardwebhooks library) and gzip compresses it; max_batch_bytes holds for a shaped body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { parseEventIdList } from '../../src/hook/event-id-list.js';
import { Dispatcher } from '../../src/deliver/dispatcher.js';
import { HttpSink } from '../../src/sinks/http/sink.js';
import { createBodyShaper } from '../../src/body/shaper.js';
import { FakeQueue } from '../deliver/fake-queue.js';
import { captureLogger, until, type LogLine } from '../deliver/harness.js';
import { ManualClock, seededRandom } from '../helpers/manual-clock.js';
import { Receiver } from '../helpers/receiver.js';
import { fields, kumo, kumoRows, plainBody, requestOf, withShapedSink } from './support.js';

interface Envelope {
  batch_id: string;
  events: { id: string; record: Record<string, unknown> }[];
}

test('an envelope carries each record under the event id the headers list, and batch_id is the webhook-id', async () => {
  await withShapedSink({ mode: 'raw' }, 'envelope', {}, async ({ rx, sink }) => {
    await sink.send(requestOf(kumoRows([3, 2])));
    const r = rx.requests[0]!;
    const env = JSON.parse(plainBody(r).toString()) as Envelope;
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(env.batch_id, r.headers['webhook-id']);
    assert.deepEqual(env.events.map((e) => e.id), parseEventIdList(String(r.headers['loghook-event-ids'])));
    assert.deepEqual(env.events.map((e) => e.id), [0, 1, 2, 3, 4].map((l) => `0123456789abcdef-${l}`));
    assert.deepEqual(env.events.map((e) => e.record), [0, 1, 2, 3, 4].map((i) => kumo(i)));
  });
});

test('an envelope of one record is still an envelope: batch_id and its one event id are the webhook-id', async () => {
  await withShapedSink(fields(['type', 'id']), 'envelope', {}, async ({ rx, sink }) => {
    await sink.send(requestOf(kumoRows([1])));
    const r = rx.requests[0]!;
    const env = JSON.parse(plainBody(r).toString()) as Envelope;
    assert.deepEqual(env, { batch_id: r.headers['webhook-id'], events: [{ id: r.headers['webhook-id'], record: { type: 'Delivery', id: 'm0' } }] });
    assert.equal(r.headers['loghook-event-ids'], undefined);
  });
});

test('a shaped envelope, gzip-compressed and signed: the signature verifies with standardwebhooks over the decompressed body', async () => {
  const key = 'whsec_' + randomBytes(32).toString('base64');
  const tpl = { mode: 'template' as const, template: '{"kind": {{ type | tojson }}, "to": {{ recipient | tojson }}}' };
  await withShapedSink(tpl, 'envelope', { signingSecrets: [key], compression: 'gzip', clock: new ManualClock(Date.now()) }, async ({ rx, sink }) => {
    assert.equal((await sink.send(requestOf(kumoRows([50])))).verdict, 'delivered');
    const r = rx.requests[0]!;
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.ok(r.body.length < plainBody(r).length, 'compressed');
    const env = new Webhook(key).verify(plainBody(r), r.headers as Record<string, string>) as Envelope;
    assert.equal(env.events.length, 50);
    assert.deepEqual(env.events[7], { id: '0123456789abcdef-7', record: { kind: 'Delivery', to: 'user7@example.net' } });
    const wrong = new Webhook('whsec_' + randomBytes(32).toString('base64'));
    assert.throws(() => wrong.verify(plainBody(r), r.headers as Record<string, string>));
  });
});

test('a shaped body larger than max_batch_bytes is split before it is sent, and every record arrives once', async () => {
  const rx = await Receiver.start();
  const clock = new ManualClock(Date.now());
  const queue = new FakeQueue('0123456789abcdef');
  const logs: LogLine[] = [];
  // the envelope adds ~50 bytes per record to what the batcher counts: 40 raw records fit 16 KiB, their envelope does not
  const shaper = createBodyShaper({ mode: 'raw' }, 'envelope');
  const maxBatchBytes = 16 * 1024;
  const sink = new HttpSink({ url: rx.url, version: '1', connections: 2, timeoutMs: 5000, logger: captureLogger(logs), clock, shaper, maxBatchBytes });
  const d = new Dispatcher({ sink, queue, clock, random: seededRandom(1), logger: captureLogger(logs), batchSize: 100, concurrency: 2, maxBatchBytes });
  try {
    const recs = Array.from({ length: 40 }, (_, i) => kumo(i));
    const rawBytes = recs.reduce((n: number, r) => n + JSON.stringify(r).length + 1, 0);
    assert.ok(rawBytes < maxBatchBytes && rawBytes + 40 * 50 > maxBatchBytes, `${rawBytes} raw bytes`);
    queue.add(recs, { firstLine: 0, createdAt: clock.now() });
    void d.start();
    await until(() => queue.delivered.length === 40, 'all delivered');
    assert.ok(rx.requests.length >= 2);
    for (const r of rx.requests) assert.ok(r.body.length <= maxBatchBytes, `${r.body.length} bytes sent`);
    const ids = rx.requests.flatMap((r) => (JSON.parse(plainBody(r).toString()) as Envelope).events.map((e) => e.id));
    assert.deepEqual(ids.sort(), Array.from({ length: 40 }, (_, i) => `0123456789abcdef-${i}`).sort());
    assert.equal(queue.dead.length, 0);
  } finally {
    await d.stop({ timeoutMs: 0 });
    await sink.destroy();
    await rx.close();
  }
});
