import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Receiver } from '../helpers/receiver.js';
import { seededRandom } from '../helpers/manual-clock.js';
import { T0, record, settle, setup, until } from './harness.js';

test('a batch of 1 is the record byte for byte, newline included, as application/json', async () => {
  const h = await setup({ batchSize: 1 });
  try {
    const line = '{"type":"Delivery","id":"x","s":"\u00e9t\u00e9","n":1.50}';
    const row = h.queue.add([line], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.delivered.length === 1);
    const r = h.rx.requests[0]!;
    assert.ok(r.body.equals(row.body));
    assert.equal(r.body.toString(), line + '\n');
    assert.equal(r.headers['content-type'], 'application/json');
  } finally {
    await h.close();
  }
});

for (const batchFormat of ['array', 'ndjson'] as const) {
  test(`${batchFormat} batches parse back to the records, in order`, async () => {
    const h = await setup({ batchSize: 10, batchFormat });
    try {
      const recs = Array.from({ length: 7 }, (_, i) => record(i));
      h.queue.add(recs.slice(0, 3), { createdAt: T0 });
      h.queue.add(recs.slice(3, 4), { createdAt: T0 });
      h.queue.add(recs.slice(4), { createdAt: T0 });
      void h.d.start();
      await until(() => h.queue.delivered.length === 7);
      assert.equal(h.rx.requests.length, 1);
      const r = h.rx.requests[0]!;
      assert.equal(r.headers['content-type'], batchFormat === 'array' ? 'application/json' : 'application/x-ndjson');
      assert.deepEqual(Receiver.parseBody(r), recs);
      assert.deepEqual(Receiver.eventIdsOf(r), Array.from({ length: 7 }, (_, i) => `0123456789abcdef-${i}`));
    } finally {
      await h.close();
    }
  });
}

test('no request body is ever larger than maxBatchBytes', async () => {
  const maxBatchBytes = 1000;
  const h = await setup({ batchSize: 100, maxBatchBytes, concurrency: 2 });
  try {
    const random = seededRandom(3);
    const recs = Array.from({ length: 60 }, (_, i) => record(i, Math.floor(random() * 250)));
    for (let i = 0; i < 60; i += 3) h.queue.add(recs.slice(i, i + 3), { createdAt: T0 });
    h.queue.add(Array.from({ length: 30 }, (_, i) => record(100 + i, 60)), { createdAt: T0 }); // a row over the limit
    void h.d.start();
    await until(() => h.queue.delivered.length === 90);
    for (const r of h.rx.requests) assert.ok(r.body.length <= maxBatchBytes, `${r.body.length} bytes`);
    assert.equal(h.queue.acks.length, 21, 'the big row went in several requests and was acked once');
    assert.equal(h.rx.records().length, 90);
    assert.ok(h.rx.requests.length < 40, 'still batched');
  } finally {
    await h.close();
  }
});

test('a record larger than maxBatchBytes goes alone, with one warning', async () => {
  const h = await setup({ batchSize: 10, maxBatchBytes: 200 });
  try {
    h.queue.add([record(1, 500)], { createdAt: T0 });
    h.queue.add([record(2, 500)], { createdAt: T0 });
    h.queue.add([record(3)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.delivered.length === 3);
    assert.equal(h.rx.requests.length, 3);
    assert.equal(h.logs.filter((l) => l.msg.includes('larger than --max-batch-bytes')).length, 1);
  } finally {
    await h.close();
  }
});

test('minBatchSize waits for enough records, or until maxBatchLatency has passed', async () => {
  const h = await setup({ batchSize: 100, minBatchSize: 5, maxBatchLatencyMs: 1000 });
  try {
    h.queue.add([record(0), record(1)], { createdAt: T0 });
    void h.d.start();
    await settle();
    assert.equal(h.rx.requests.length, 0, 'waits for 5 records');
    h.clock.advance(200);
    h.queue.add([record(2), record(3), record(4)], { createdAt: T0 + 200 });
    h.d.wake();
    await until(() => h.rx.requests.length === 1);
    assert.equal(Receiver.parseBody(h.rx.requests[0]!).length, 5);

    h.queue.add([record(5)], { createdAt: T0 + 200, dueAt: T0 + 200 });
    h.d.wake();
    h.clock.advance(999);
    await settle();
    assert.equal(h.rx.requests.length, 1, 'the latency has not passed yet');
    h.clock.advance(1);
    await until(() => h.rx.requests.length === 2);
    assert.equal(Receiver.parseBody(h.rx.requests[1]!).length, 1);
    await until(() => h.d.idle());
  } finally {
    await h.close();
  }
});

test('flush() sends a partial batch at once', async () => {
  const h = await setup({ batchSize: 100, minBatchSize: 50, maxBatchLatencyMs: 60_000 });
  try {
    h.queue.add([record(0), record(1)], { createdAt: T0 });
    void h.d.start();
    await settle();
    assert.equal(h.rx.requests.length, 0);
    assert.equal(h.d.idle(), false);
    h.d.flush();
    await h.d.whenIdle();
    assert.equal(h.queue.delivered.length, 2);
  } finally {
    await h.close();
  }
});

test('never more than `concurrency` requests in flight', async () => {
  const h = await setup({ concurrency: 3, receiver: { defaultResponse: { delayMs: 15 } } });
  try {
    for (let i = 0; i < 30; i++) h.queue.add([record(i)], { createdAt: T0 });
    let most = 0;
    h.d.onChange(() => (most = Math.max(most, h.d.stats().inFlightRequests)));
    void h.d.start();
    await until(() => h.queue.delivered.length === 30);
    assert.equal(h.rx.maxConcurrent, 3);
    assert.ok(most <= 3);
  } finally {
    await h.close();
  }
});

// regression: a 413 dead-lettered every record of the stream (2,976 in under a second)
test('a 413 splits the batch in halves down to single records; only a record too large alone is refused', async () => {
  const limit = 600;
  const h = await setup({
    batchSize: 16,
    concurrency: 2,
    receiver: { respond: (r) => (r.body.length > limit ? { status: 413, body: 'too large' } : { status: 200 }) },
  });
  try {
    const recs = Array.from({ length: 16 }, (_, i) => record(i, i === 5 ? 700 : 10));
    h.queue.add(recs, { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.delivered.length === 15 && h.queue.dead.length === 1, 'all settled');
    assert.equal(h.queue.dead[0]!.eventId, '0123456789abcdef-5');
    assert.match(h.queue.dead[0]!.disposition, /^413 Payload Too Large: too large$/);
    assert.deepEqual([...h.queue.delivered].sort(), recs.map((_, i) => `0123456789abcdef-${i}`).filter((id) => !id.endsWith('-5')).sort());
    assert.ok(h.rx.requests.some((r) => r.response.status === 413 && Receiver.eventIdsOf(r).length === 16), 'the whole batch was tried first');
  } finally {
    await h.close();
  }
});
