// What the sink makes of answers that are about the configuration or the request's size rather
// than the records: redirects, 413 and 431. And the request line itself: method, auth headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpSink } from '../../../src/sinks/http/sink.js';
import { parseStatusList } from '../../../src/sinks/http/policy.js';
import { UsageError } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/telemetry/logger.js';
import { record, setup, T0, until } from '../../deliver/harness.js';
import { requestOf, rowsOf, withSink } from './support.js';

for (const status of [301, 302, 307, 308]) {
  test(`a ${status} is a configuration problem naming the Location: records stay queued`, () =>
    withSink({ receiver: { defaultResponse: { status, headers: { location: 'https://new.example/hook' } } } }, async ({ rx, sink }) => {
      const out = await sink.send(requestOf(rowsOf([1])));
      assert.equal(out.verdict, 'retry');
      assert.equal(out.kind, 'config');
      assert.equal(out.endpointLevel, status);
      assert.equal(out.signal, 'unreachable');
      assert.match(out.disposition!, new RegExp(`^${status} .*redirects are not followed: set the url to where the receiver points \\(Location: https://new\\.example/hook\\)$`));
      assert.equal(rx.requests.length, 1, 'not followed');
    }));
}

test('a Location with credentials is shown without them', () =>
  withSink({ receiver: { defaultResponse: { status: 301, headers: { location: 'https://user:hunter2@new.example/hook' } } } }, async ({ sink }) => {
    const out = await sink.send(requestOf(rowsOf([1])));
    assert.ok(!out.disposition!.includes('hunter2'), out.disposition!);
    assert.match(out.disposition!, /Location: https:\/\/new\.example\/hook/);
  }));

test('a redirect through the dispatcher keeps the records queued instead of dead-lettering them', async () => {
  const h = await setup({ receiver: { defaultResponse: { status: 308, headers: { location: '/v2/hook' } } } });
  try {
    h.queue.add([record(1)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.retries.length === 1);
    assert.equal(h.queue.dead.length, 0);
    assert.match(h.queue.retries[0]!.disposition, /Location: \/v2\/hook/);
    assert.equal(h.d.stats().endpoint, 'open', 'the endpoint backs off to probes');
  } finally {
    await h.close();
  }
});

test('final_on 3xx still makes a redirect final', () =>
  withSink({ policy: { finalOn: parseStatusList('3xx') }, receiver: { defaultResponse: { status: 301, headers: { location: '/x' } } } }, async ({ sink }) => {
    const out = await sink.send(requestOf(rowsOf([1])));
    assert.equal(out.verdict, 'final');
    assert.equal(out.explicit, true);
  }));

for (const status of [413, 431]) {
  test(`a ${status} for a batch is too-large: retried (to be split), never dead-lettered, the receiver is up`, () =>
    withSink({ receiver: { defaultResponse: { status } } }, async ({ sink }) => {
      const out = await sink.send(requestOf(rowsOf([50])));
      assert.equal(out.kind, 'too-large');
      assert.equal(out.verdict, 'retry');
      assert.equal(out.signal, 'up');
    }));

  test(`a ${status} for a single record is final: it cannot get smaller`, () =>
    withSink({ receiver: { defaultResponse: { status } } }, async ({ sink }) => {
      const out = await sink.send(requestOf(rowsOf([1])));
      assert.equal(out.kind, 'too-large');
      assert.equal(out.verdict, 'final');
    }));
}

test('a 413 through the dispatcher splits the batch down to single records; only those are final', async () => {
  const h = await setup({ batchSize: 10, receiver: { defaultResponse: { status: 413 } } });
  try {
    h.queue.add(Array.from({ length: 10 }, (_, i) => record(i)), { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.dead.length === 10);
    assert.equal(h.rx.requests[0]!.headers['loghook-event-ids'] !== undefined, true, 'the whole batch went first');
    assert.ok(h.rx.requests.length >= 19, `${h.rx.requests.length} requests: halves, down to single records`);
    for (const d of h.queue.dead) assert.match(d.disposition, /^413 /);
  } finally {
    await h.close();
  }
});

test('method PUT sends PUT; the default is POST', async () => {
  await withSink({ method: 'PUT' }, async ({ rx, sink }) => {
    await sink.send(requestOf(rowsOf([1])));
    assert.equal(rx.requests[0]!.method, 'PUT');
  });
  await withSink({}, async ({ rx, sink }) => {
    await sink.send(requestOf(rowsOf([1])));
    assert.equal(rx.requests[0]!.method, 'POST');
  });
});

test('bearer_token is sent as Authorization: Bearer', () =>
  withSink({ bearerToken: 'tok-123' }, async ({ rx, sink }) => {
    await sink.send(requestOf(rowsOf([1])));
    assert.equal(rx.requests[0]!.headers['authorization'], 'Bearer tok-123');
  }));

test('basic_user and basic_password are sent as Authorization: Basic', () =>
  withSink({ basicUser: 'kumo', basicPassword: 'p:w é' }, async ({ rx, sink }) => {
    await sink.send(requestOf(rowsOf([1])));
    assert.equal(rx.requests[0]!.headers['authorization'], 'Basic ' + Buffer.from('kumo:p:w é').toString('base64'));
  }));

test('headers with secret values are sent and never logged', () =>
  withSink({ headers: [{ name: 'X-Api-Key', value: 'hunter2' }] }, async ({ rx, sink, logs }) => {
    await sink.send(requestOf(rowsOf([1])));
    assert.equal(rx.requests[0]!.headers['x-api-key'], 'hunter2');
    assert.ok(!JSON.stringify(logs).includes('hunter2'));
  }));

test('conflicting credentials fail at start', () => {
  const base = { version: '1', connections: 1, timeoutMs: 1000, logger: silentLogger };
  const cases: [object, RegExp][] = [
    [{ url: 'http://h/', bearerToken: 't', basicUser: 'u' }, /bearer_token and basic authentication/],
    [{ url: 'http://u:p@h/', bearerToken: 't' }, /bearer_token and basic authentication/],
    [{ url: 'http://u:p@h/', basicUser: 'u' }, /basic_user\/basic_password and user:password@ in the url/],
    [{ url: 'http://h/', basicPassword: 'p' }, /basic_password needs basic_user/],
    [{ url: 'http://h/', basicUser: 'a:b' }, /may not contain ":"/],
    [{ url: 'http://h/', bearerToken: 'a\nb' }, /line break/],
    [{ url: 'http://h/', maxMessageRate: 0 }, /max_message_rate must be a positive rate/],
    [{ url: 'http://h/', maxDeliveriesPerConnection: 0.5 }, /max_deliveries_per_connection must be a whole number/],
  ];
  for (const [o, re] of cases) assert.throws(() => new HttpSink({ ...base, ...o } as never), (e: unknown) => e instanceof UsageError && re.test(e.message), JSON.stringify(o));
});
