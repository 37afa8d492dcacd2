import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryRate, Throttle, TokenBucket } from '../../src/deliver/rate-limit.js';
import { ManualClock } from '../helpers/manual-clock.js';

test('a full bucket lets one second\'s worth go at once, then one token per 1/rate', () => {
  const b = new TokenBucket(10, 0);
  for (let i = 0; i < 10; i++) {
    assert.equal(b.delayMs(1, 0), 0);
    b.take(1, 0);
  }
  assert.equal(b.delayMs(1, 0), 100);
  assert.equal(b.delayMs(1, 99), 1);
  assert.equal(b.delayMs(1, 100), 0);
});

test('the bucket never holds more than one second\'s worth, however long it was idle', () => {
  const b = new TokenBucket(5, 0);
  b.take(5, 0);
  assert.equal(b.delayMs(5, 3_600_000), 0);
  b.take(5, 3_600_000);
  assert.equal(b.delayMs(1, 3_600_000), 200);
});

test('a take larger than the bucket waits for a full bucket and leaves a debt: the long-run rate holds', () => {
  const b = new TokenBucket(100, 0);
  assert.equal(b.delayMs(500, 0), 0, 'a full bucket lets a big batch go');
  b.take(500, 0);
  // 400 tokens of debt, then 100 for the next batch of 500: 5 s at 100/s
  assert.equal(b.delayMs(500, 0), 5000);
  assert.equal(b.delayMs(500, 5000), 0);
});

test('a rate below one per second still lets one go, then waits', () => {
  const b = new TokenBucket(0.5, 0);
  assert.equal(b.delayMs(1, 0), 0);
  b.take(1, 0);
  assert.equal(b.delayMs(1, 0), 2000);
});

test('a non-positive rate is refused', () => {
  for (const r of [0, -1, NaN, Infinity]) assert.throws(() => new TokenBucket(r, 0), RangeError);
});

test('records and requests rates together: a request waits for the slower of the two', () => {
  const r = new DeliveryRate({ maxMessageRate: 100, maxRequestRate: 2 }, 0);
  r.take(10, 0);
  r.take(10, 0);
  assert.equal(r.delayMs(10, 0), 500, 'requests: 2/s');
  const m = new DeliveryRate({ maxMessageRate: 10, maxRequestRate: 100 }, 0);
  m.take(10, 0);
  assert.equal(m.delayMs(5, 0), 500, 'records: 10/s');
  assert.equal(new DeliveryRate({}, 0).unlimited, true);
});

test('a throttle serves callers in order on the clock and resolves false once aborted', async () => {
  const clock = new ManualClock(0);
  const t = Throttle.of(new TokenBucket(1, 0), clock);
  const order: number[] = [];
  const a = t.wait(1).then((ok) => (order.push(1), ok));
  const b = t.wait(1).then((ok) => (order.push(2), ok));
  const c = t.wait(1).then((ok) => (order.push(3), ok));
  assert.equal(await a, true);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [1]);
  clock.advance(1000);
  assert.equal(await b, true);
  assert.deepEqual(order, [1, 2]);
  await new Promise((r) => setImmediate(r));
  t.abort();
  assert.equal(await c, false);
  assert.equal(await t.wait(1), false);
});
