import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sink } from '../../src/deliver/sink.js';
import { T0, record, settle, setup, until } from './harness.js';
import { freePort as closedPort } from '../helpers/broker-process.js';

test('a refused receiver gets one probe per interval, the interval doubling', async () => {
  let posts = 0;
  const wrap = (s: Sink): Sink => ({ endpoint: s.endpoint, send: (r) => (posts++, s.send(r)), close: () => s.close(), destroy: () => s.destroy() });
  const h = await setup({ url: `http://127.0.0.1:${await closedPort()}/hook`, concurrency: 4, wrap });
  try {
    for (let i = 0; i < 50; i++) h.queue.add([record(i)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.d.stats().endpoint === 'open' && h.d.stats().inFlightRequests === 0, 'breaker open');
    const first = posts;
    assert.ok(first <= 4, `${first} requests before backing off`);
    assert.match(h.d.stats().lastError!, /^connection error: ECONNREFUSED/);
    const expected = [first];
    for (const wait of [1000, 2000, 4000, 8000]) {
      h.clock.advance(wait - 1);
      await settle(20);
      assert.equal(posts, expected.at(-1), `nothing before the probe time (+${wait})`);
      h.clock.advance(1);
      await until(() => posts === expected.at(-1)! + 1 && h.d.stats().endpoint === 'open', `probe after ${wait}`);
      expected.push(posts);
    }
    await until(() => h.d.stats().failedProbes === 4, 'four failed probes counted');
    assert.equal(h.logs.filter((l) => l.msg.startsWith('receiver unavailable')).length, 1);
    assert.ok(h.logs.filter((l) => l.level === 'warn').length <= 2, 'no log flood');
  } finally {
    await h.close();
  }
});

test('a downed receiver is probed, then served at full concurrency after the first success', async () => {
  let down = true;
  const h = await setup({
    concurrency: 4,
    receiver: { respond: () => (down ? { reset: true } : { delayMs: 10 }) },
  });
  try {
    for (let i = 0; i < 40; i++) h.queue.add([record(i)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.d.stats().endpoint === 'open' && h.d.stats().inFlightRequests === 0, 'breaker open');
    const burst = h.rx.requests.length;
    assert.ok(burst <= 4);
    h.clock.advance(1000);
    await until(() => h.rx.requests.length === burst + 1 && h.d.stats().endpoint === 'open', 'failed probe');
    h.clock.advance(1999);
    await settle(20);
    assert.equal(h.rx.requests.length, burst + 1);
    down = false;
    h.rx.maxConcurrent = 0;
    h.clock.advance(1);
    await until(() => h.queue.delivered.length === 40 - burst - 1, 'the rest delivered');
    assert.equal(h.d.stats().endpoint, 'closed');
    assert.equal(h.rx.maxConcurrent, 4, 'full concurrency again');
    assert.ok(h.logs.some((l) => l.msg === 'receiver is back, full concurrency restored'));
  } finally {
    await h.close();
  }
});

test('5 transient 5xx in a row open the breaker', async () => {
  const h = await setup({ concurrency: 1, receiver: { defaultResponse: { status: 503 } } });
  try {
    for (let i = 0; i < 20; i++) h.queue.add([record(i)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.d.stats().endpoint === 'open' && h.d.stats().inFlightRequests === 0);
    await settle(20);
    assert.equal(h.rx.requests.length, 5);
  } finally {
    await h.close();
  }
});
