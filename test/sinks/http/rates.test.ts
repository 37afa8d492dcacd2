// Rates and connections per endpoint, on a manual clock (no real sleeps): max_message_rate,
// max_request_rate, max_connection_rate, max_deliveries_per_connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dispatcher } from '../../../src/deliver/dispatcher.js';
import { HttpSink } from '../../../src/sinks/http/sink.js';
import { silentLogger } from '../../../src/telemetry/logger.js';
import { FakeQueue } from '../../deliver/fake-queue.js';
import { record, until } from '../../deliver/harness.js';
import { ManualClock, seededRandom } from '../../helpers/manual-clock.js';
import { Receiver } from '../../helpers/receiver.js';
import { requestOf, rowsOf, T0, withSink } from './support.js';

/** Lets pending I/O and promise callbacks run (real time, but asserting nothing about it). */
const ticks = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

test('max_message_rate: a request waits until the endpoint has records to spare', () =>
  withSink({ maxMessageRate: 10 }, async ({ rx, sink, clock }) => {
    const first = await sink.send(requestOf(rowsOf([10])));
    assert.equal(first.verdict, 'delivered');
    const second = sink.send(requestOf(rowsOf([5], { firstLine: 10 })));
    await until(() => clock.sleeping === 1, 'the second request waits');
    await ticks();
    assert.equal(rx.requests.length, 1);
    clock.advance(499);
    await ticks();
    assert.equal(rx.requests.length, 1, '5 records at 10/s: not before 500 ms');
    clock.advance(1);
    assert.equal((await second).verdict, 'delivered');
    assert.equal(rx.requests.length, 2);
    assert.equal(rx.requests[1]!.headers['webhook-timestamp'], String(Math.floor((T0 + 500) / 1000)), 'stamped when it was sent');
  }));

test('max_request_rate: requests wait their turn whatever their size', () =>
  withSink({ maxRequestRate: 2 }, async ({ rx, sink, clock }) => {
    await sink.send(requestOf(rowsOf([1])));
    await sink.send(requestOf(rowsOf([1])));
    const third = sink.send(requestOf(rowsOf([1])));
    await until(() => clock.sleeping === 1, 'the third request waits');
    clock.advance(499);
    await ticks();
    assert.equal(rx.requests.length, 2);
    clock.advance(1);
    await third;
    assert.equal(rx.requests.length, 3);
  }));

test('without rates nothing waits', () =>
  withSink({}, async ({ rx, sink, clock }) => {
    await Promise.all([1, 2, 3, 4].map(() => sink.send(requestOf(rowsOf([50])))));
    assert.equal(rx.requests.length, 4);
    assert.equal(clock.sleeping, 0);
  }));

test('a request waiting for its rate when the sink closes is not sent and stays queued', () =>
  withSink({ maxRequestRate: 1 }, async ({ rx, sink, clock }) => {
    await sink.send(requestOf(rowsOf([1])));
    const waiting = sink.send(requestOf(rowsOf([1])));
    await until(() => clock.sleeping === 1, 'waits');
    await sink.close();
    const out = await waiting;
    assert.equal(out.verdict, 'retry');
    assert.equal(out.failureKey, 'not-sent');
    assert.equal(rx.requests.length, 1);
  }));

test('max_deliveries_per_connection replaces a keep-alive connection after that many requests', async () => {
  for (const [limit, expected] of [[3, 3], [1, 7], [undefined, 1]] as const) {
    await withSink({ connections: 1, ...(limit ? { maxDeliveriesPerConnection: limit } : {}) }, async ({ rx, sink }) => {
      for (let i = 0; i < 7; i++) assert.equal((await sink.send(requestOf(rowsOf([1])))).verdict, 'delivered');
      assert.equal(new Set(rx.requests.map((r) => r.remotePort)).size, expected, `limit ${limit}`);
      assert.equal(rx.connections, expected);
    });
  }
});

test('max_connection_rate: a new connection waits for its token', () =>
  withSink({ connections: 1, maxDeliveriesPerConnection: 1, maxConnectionRate: 1 }, async ({ rx, sink, clock }) => {
    assert.equal((await sink.send(requestOf(rowsOf([1])))).verdict, 'delivered');
    const second = sink.send(requestOf(rowsOf([1])));
    await until(() => clock.sleeping === 1, 'the second connection waits');
    await ticks();
    assert.equal(rx.connections, 1);
    clock.advance(999);
    await ticks();
    assert.equal(rx.connections, 1);
    clock.advance(1);
    assert.equal((await second).verdict, 'delivered');
    assert.equal(rx.connections, 2);
  }));

test('through the dispatcher: 30 records at max_message_rate 10/s go out one batch per second', async () => {
  const rx = await Receiver.start();
  const clock = new ManualClock(T0);
  const queue = new FakeQueue();
  const sink = new HttpSink({ url: rx.url, version: '1', connections: 4, timeoutMs: 5000, logger: silentLogger, clock, maxMessageRate: 10 });
  const d = new Dispatcher({ sink, queue, clock, random: seededRandom(1), batchSize: 10, concurrency: 4 });
  try {
    queue.add(Array.from({ length: 30 }, (_, i) => record(i)), { createdAt: T0 });
    void d.start();
    await rx.waitForRequests(1);
    await until(() => clock.sleeping >= 1, 'the next batch waits for its rate');
    await ticks();
    assert.equal(rx.requests.length, 1);
    for (let s = 1; s <= 2; s++) {
      clock.advance(1000);
      await rx.waitForRequests(s + 1);
    }
    await until(() => queue.delivered.length === 30, 'all delivered');
    assert.equal(rx.requests.length, 3);
  } finally {
    await d.stop({ timeoutMs: 0 });
    await sink.destroy();
    await rx.close();
  }
});
