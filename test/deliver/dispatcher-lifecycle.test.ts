import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeaderOption } from '../../src/sinks/http/headers.js';
import { T0, record, settle, setup, until } from './harness.js';

test('stop() waits for requests in flight and applies their outcome', async () => {
  const h = await setup({ receiver: { defaultResponse: { delayMs: 100 } } });
  try {
    h.queue.add([record(1)], { createdAt: T0 });
    void h.d.start();
    await h.rx.waitForRequests(1);
    const r = await h.d.stop({ timeoutMs: 10_000 });
    assert.deepEqual(r, { abandonedRequests: 0 });
    assert.deepEqual(h.queue.delivered, ['0123456789abcdef-0']);
  } finally {
    await h.close();
  }
});

test('stop() abandons requests still running at the timeout; their rows stay queued', async () => {
  const h = await setup({ receiver: { defaultResponse: { hang: true } } });
  try {
    h.queue.add([record(1)], { createdAt: T0 });
    void h.d.start();
    await h.rx.waitForRequests(1);
    let done = false;
    const p = h.d.stop({ timeoutMs: 5000 }).then((r) => ((done = true), r));
    await settle();
    assert.equal(done, false, 'waits');
    h.clock.advance(5000);
    assert.deepEqual(await p, { abandonedRequests: 1 });
    await h.sink.destroy(); // the request now fails, and nothing is applied
    await settle();
    assert.equal(h.queue.rows.size, 1);
    assert.deepEqual([h.queue.delivered, h.queue.retries, h.queue.dead], [[], [], []]);
  } finally {
    await h.close();
  }
});

test('stop() takes nothing new', async () => {
  const h = await setup({ concurrency: 1, receiver: { defaultResponse: { delayMs: 50 } } });
  try {
    for (let i = 0; i < 5; i++) h.queue.add([record(i)], { createdAt: T0 });
    void h.d.start();
    await h.rx.waitForRequests(1);
    await h.d.stop({ timeoutMs: 10_000 });
    await settle(100);
    assert.equal(h.rx.requests.length, 1);
    assert.equal(h.queue.rows.size, 4);
  } finally {
    await h.close();
  }
});

test('headers: User-Agent, a webhook-id stable across retries, attempts, custom --header', async () => {
  const h = await setup({ headers: [parseHeaderOption('X-Api-Key: k1')] });
  try {
    h.rx.script({ status: 503 });
    h.queue.add([record(1)], { createdAt: T0, firstLine: 41 });
    void h.d.start();
    await until(() => h.queue.retries.length === 1);
    h.clock.set(h.queue.retries[0]!.dueAts[0]!);
    await until(() => h.queue.delivered.length === 1);
    const [a, b] = h.rx.requests;
    for (const r of [a!, b!]) {
      assert.equal(r.headers['user-agent'], 'loghook/9.9.9');
      assert.equal(r.headers['webhook-id'], '0123456789abcdef-41');
      assert.equal(r.headers['idempotency-key'], '0123456789abcdef-41');
      assert.equal(r.headers['x-api-key'], 'k1');
      assert.equal(r.headers['loghook-event-ids'], undefined);
    }
    assert.equal(a!.headers['webhook-timestamp'], String(T0 / 1000));
    assert.equal(b!.headers['webhook-timestamp'], String(Math.floor(h.queue.retries[0]!.dueAts[0]! / 1000)));
    assert.deepEqual([a!.headers['loghook-attempt'], b!.headers['loghook-attempt']], ['1', '2']);
    assert.ok(!JSON.stringify(h.logs).includes('k1'), 'header values are never logged');
  } finally {
    await h.close();
  }
});

test('a batch lists its event ids in body order, under a stable batch id', async () => {
  const h = await setup({ batchSize: 5 });
  try {
    h.queue.add([record(1), record(2)], { createdAt: T0, firstLine: 10 });
    h.queue.add([record(3)], { createdAt: T0, firstLine: 3 });
    void h.d.start();
    await until(() => h.queue.delivered.length === 3);
    const r = h.rx.requests[0]!;
    assert.equal(r.headers['loghook-event-ids'], '0123456789abcdef-10..11,3');
    assert.match(String(r.headers['webhook-id']), /^b-[0-9a-f]{32}$/);
    assert.equal(r.headers['idempotency-key'], r.headers['webhook-id']);
  } finally {
    await h.close();
  }
});

test('idle(), whenIdle() and onChange() follow the work', async () => {
  const h = await setup({ concurrency: 2 });
  try {
    for (let i = 0; i < 10; i++) h.queue.add([record(i)], { createdAt: T0 });
    h.queue.add([record(99)], { createdAt: T0, dueAt: T0 + 60_000 });
    assert.equal(h.d.idle(), false);
    let changes = 0;
    h.d.onChange(() => changes++);
    void h.d.start();
    await h.d.whenIdle();
    assert.equal(h.queue.delivered.length, 10);
    assert.ok(changes >= 10);
    assert.equal(h.d.idle(), true, 'a row due later does not count');
    h.clock.advance(60_000);
    assert.equal(h.d.idle(), false);
    await until(() => h.queue.delivered.length === 11);
  } finally {
    await h.close();
  }
});

test('the endpoint health goes to the queue with the URL redacted, without a write per request', async () => {
  const h = await setup({ concurrency: 1, userinfo: 'user:pw' });
  try {
    for (let i = 0; i < 20; i++) h.queue.add([record(i)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.delivered.length === 20);
    assert.equal(h.queue.endpointNotes.length, 1, 'one note: nothing changed and no time passed');
    assert.deepEqual(h.queue.endpointNotes[0]!.what, { ok: true });
    assert.equal(h.queue.endpointNotes[0]!.url, h.rx.url);
    assert.equal(h.rx.requests[0]!.headers['authorization'], 'Basic ' + Buffer.from('user:pw').toString('base64'));
  } finally {
    await h.close();
  }
});
