import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatusList } from '../../src/sinks/http/policy.js';
import { T0, record, settle, setup, until } from './harness.js';

const DAY = 86_400_000;

test('500, 500, then 200: delivered once, on attempt 3', async () => {
  const h = await setup();
  try {
    h.rx.script({ status: 500, body: 'oops' }, { status: 500 });
    h.queue.add([record(1)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.retries.length === 1, 'first retry');
    assert.equal(h.queue.retries[0]!.disposition, '500 Internal Server Error: oops');
    h.clock.set(h.queue.retries[0]!.dueAts[0]!);
    await until(() => h.queue.retries.length === 2, 'second retry');
    const second = h.queue.retries[1]!;
    assert.ok(second.dueAts[0]! - h.clock.now() >= 96_000, 'the wait doubled');
    h.clock.set(second.dueAts[0]!);
    await until(() => h.queue.delivered.length === 1, 'delivery');
    assert.equal(h.rx.requests.length, 3);
    assert.deepEqual(h.rx.requests.map((r) => r.headers['loghook-attempt']), ['1', '2', '3']);
    assert.deepEqual(h.queue.delivered, ['0123456789abcdef-0']);
    assert.equal(h.queue.rows.size, 0);
    assert.deepEqual({ ...h.d.stats(), lastError: null }, {
      delivered: 1, retried: 2, dead: 0, expired: 0, inFlightRequests: 0, inFlightRecords: 0, waitingRecords: 0, lastError: null, endpoint: 'closed', failedProbes: 0,
      requestsDone: 3, answered: 3, misconfigured: null,
    });
  } finally {
    await h.close();
  }
});

test('Retry-After in seconds is honoured', async () => {
  const h = await setup();
  try {
    h.rx.script({ status: 429, headers: { 'retry-after': '600' } });
    h.queue.add([record(1)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.retries.length === 1);
    assert.equal(h.queue.retries[0]!.dueAts[0], T0 + 600_000);
    h.clock.set(T0 + 599_999);
    await settle();
    assert.equal(h.rx.requests.length, 1, 'not before Retry-After');
    h.clock.set(T0 + 600_000);
    await until(() => h.queue.delivered.length === 1);
  } finally {
    await h.close();
  }
});

test('Retry-After as an HTTP-date is honoured', async () => {
  const h = await setup();
  try {
    h.rx.script({ status: 503, headers: { 'retry-after': new Date(T0 + 900_000).toUTCString() } });
    h.queue.add([record(1)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.retries.length === 1);
    assert.equal(h.queue.retries[0]!.dueAts[0], T0 + 900_000);
  } finally {
    await h.close();
  }
});

for (const [name, response] of [
  ['408', { status: 408 }],
  ['429', { status: 429 }],
  ['500', { status: 500 }],
  ['502', { status: 502 }],
  ['503', { status: 503 }],
  ['504', { status: 504 }],
  ['507', { status: 507 }],
  ['a socket reset', { reset: true }],
  ['a timeout', { hang: true }],
] as const) {
  test(`${name} is retried`, async () => {
    const h = await setup({ timeoutMs: 150 });
    try {
      h.rx.script(response);
      h.queue.add([record(1)], { createdAt: T0 });
      void h.d.start();
      await until(() => h.queue.retries.length === 1);
      assert.equal(h.queue.dead.length, 0);
      assert.equal(h.queue.rows.size, 1);
      if ('status' in response) assert.match(h.queue.retries[0]!.disposition, new RegExp(`^${response.status} `));
      else assert.match(h.queue.retries[0]!.disposition, /^connection error: /);
    } finally {
      await h.close();
    }
  });
}

for (const status of [400, 501]) {
  test(`${status} is final: the record goes to the dead letters`, async () => {
    const h = await setup();
    try {
      h.rx.script({ status, body: 'no such hook' });
      h.queue.add([record(1)], { createdAt: T0 });
      void h.d.start();
      await until(() => h.queue.dead.length === 1);
      assert.equal(h.queue.dead[0]!.reason, 'final');
      assert.match(h.queue.dead[0]!.disposition, new RegExp(`^${status} .+: no such hook$`));
      assert.equal(h.queue.retries.length, 0);
      assert.equal(h.rx.requests.length, 1);
      assert.equal(h.d.stats().dead, 1);
    } finally {
      await h.close();
    }
  });
}

// regression: a wrong url's first 404s went to the dead letters before the guard engaged
test('a 404 on a first attempt is held (retried); on a retry while the endpoint delivers others it is final', async () => {
  const h = await setup({ concurrency: 1 });
  try {
    h.rx.script({ status: 404, body: 'no such hook' }, { status: 200 }, { status: 404, body: 'no such tenant' });
    h.queue.add([record(1)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.retries.length === 1, 'held');
    assert.equal(h.queue.dead.length, 0);
    h.queue.add([record(2)], { createdAt: T0 });
    h.d.wake();
    await until(() => h.queue.delivered.length === 1, 'another record delivered');
    h.clock.set(h.queue.retries[0]!.dueAts[0]!);
    await until(() => h.queue.dead.length === 1, 'refused for itself');
    assert.match(h.queue.dead[0]!.disposition, /^404 Not Found: no such tenant$/);
  } finally {
    await h.close();
  }
});

test('--retry-on makes a 404 a retry', async () => {
  const h = await setup({ policy: { retryOn: parseStatusList('404') } });
  try {
    h.rx.script({ status: 404 });
    h.queue.add([record(1)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.retries.length === 1);
    assert.equal(h.queue.dead.length, 0);
  } finally {
    await h.close();
  }
});

test('--final-on makes a 503 final', async () => {
  const h = await setup({ policy: { finalOn: parseStatusList('503') } });
  try {
    h.rx.script({ status: 503 });
    h.queue.add([record(1)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.dead.length === 1);
    assert.equal(h.queue.retries.length, 0);
  } finally {
    await h.close();
  }
});

test('a failed batch scatters: every record gets its own due time', async () => {
  const h = await setup({ batchSize: 10 });
  try {
    h.rx.script({ status: 500 });
    h.queue.add(Array.from({ length: 10 }, (_, i) => record(i)), { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.retries.length === 1);
    const { dueAts } = h.queue.retries[0]!;
    assert.equal(dueAts.length, 10);
    assert.equal(new Set(dueAts).size, 10);
    for (const t of dueAts) assert.ok(t >= T0 + 48_000 && t <= T0 + 72_000);
    assert.equal(h.queue.rows.size, 10, 'one row per record');
  } finally {
    await h.close();
  }
});

test('a row older than max age when taken expires without a request', async () => {
  const h = await setup();
  try {
    h.queue.add([record(1)], { createdAt: T0 - 7 * DAY - 1, dueAt: T0 });
    h.queue.add([record(2)], { createdAt: T0, dueAt: T0 });
    void h.d.start();
    await until(() => h.queue.delivered.length === 1 && h.queue.dead.length === 1);
    assert.equal(h.queue.dead[0]!.reason, 'expired');
    assert.equal(h.queue.dead[0]!.eventId, '0123456789abcdef-0');
    assert.equal(h.rx.requests.length, 1);
    assert.equal(h.d.stats().expired, 1);
  } finally {
    await h.close();
  }
});

test('a failure whose next try would be past max age expires the record', async () => {
  const h = await setup({ maxAgeMs: 30_000 });
  try {
    h.rx.script({ status: 503, body: 'down' });
    h.queue.add([record(1)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.dead.length === 1);
    assert.deepEqual(
      { reason: h.queue.dead[0]!.reason, disposition: h.queue.dead[0]!.disposition },
      { reason: 'expired', disposition: '503 Service Unavailable: down' },
    );
    assert.equal(h.queue.retries.length, 0);
  } finally {
    await h.close();
  }
});

test('a receiver that keeps failing is logged when the failure changes, not per request', async () => {
  let status = 500;
  const h = await setup({ concurrency: 1, receiver: { respond: () => ({ status }) } });
  try {
    for (let i = 0; i < 4; i++) h.queue.add([record(i)], { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.retries.length === 4);
    status = 502;
    h.queue.add([record(9)], { createdAt: T0 });
    h.d.wake();
    await until(() => h.queue.retries.length === 5);
    const warns = h.logs.filter((l) => l.level === 'warn');
    assert.deepEqual(warns.map((w) => w.msg), [
      'delivery failed, will retry',
      'delivery failed, will retry',
      'receiver unavailable, backing off: one request at a time until it answers',
    ]);
    assert.deepEqual(warns.slice(0, 2).map((w) => w.fields?.['disposition']), ['500 Internal Server Error: ok', '502 Bad Gateway: ok']);
    status = 200;
    h.queue.add([record(10)], { createdAt: T0 });
    h.d.wake();
    await settle();
    assert.equal(h.rx.requests.length, 5, 'backing off');
    h.clock.advance(1000);
    await until(() => h.queue.delivered.length === 1, 'probe');
    assert.deepEqual(h.logs.filter((l) => l.level === 'info').map((l) => l.msg), ['receiver is back, full concurrency restored'], 'one line on recovery');
  } finally {
    await h.close();
  }
});
