// Rows are storage units, batches are ranges of records: a row may go out in many requests (and
// in several at once), a request may span rows, and each row is settled once, after its last record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Spool } from '../../src/spool/spool.js';
import type { Sink, SinkOutcome } from '../../src/deliver/sink.js';
import { recordOf } from '../../src/deliver/sink.js';
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { makeTempDir } from '../helpers/tmp.js';
import { T0, record, setup, until } from './harness.js';

/** The `i` of record(i) for each record of a request. */
function indexes(r: ReceivedRequest): number[] {
  return Receiver.parseBody(r).map((o) => parseInt((o as { id: string }).id, 16));
}

interface Held {
  /** the `i` of the request's first record(i) */
  first: number;
  release(): void;
}

/** A sink whose outcomes are held, in the order they arrive, until the test releases them. */
function holding(): { wrap: (s: Sink) => Sink; held: Held[] } {
  const held: Held[] = [];
  const wrap = (s: Sink): Sink => ({
    endpoint: s.endpoint,
    close: () => s.close(),
    destroy: () => s.destroy(),
    send: (req) => {
      const sl = req.slices[0]!;
      const first = parseInt((JSON.parse(recordOf(sl.msg, sl.from).toString()) as { id: string }).id, 16);
      return s.send(req).then((o) => new Promise<SinkOutcome>((resolve) => held.push({ first, release: () => resolve(o) })));
    },
  });
  return { wrap, held };
}

test('a row of 100 records at batch size 1: 100 requests of one record each, then one ack', async () => {
  const h = await setup({ batchSize: 1, concurrency: 8 });
  try {
    const row = h.queue.add(Array.from({ length: 100 }, (_, i) => record(i)), { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.delivered.length === 100);
    assert.equal(h.rx.requests.length, 100);
    for (const r of h.rx.requests) {
      assert.equal(r.headers['loghook-event-ids'], undefined, 'one record: no id list');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.body.toString(), JSON.stringify(record(indexes(r)[0]!)) + '\n', 'the record byte for byte');
    }
    assert.deepEqual(new Set(h.rx.eventIds()), new Set(Array.from({ length: 100 }, (_, i) => `0123456789abcdef-${i}`)));
    assert.deepEqual(h.queue.acks, [[row.rowId]]);
    assert.deepEqual(h.queue.settles, []);
    assert.equal(h.d.stats().delivered, 100);
  } finally {
    await h.close();
  }
});

test('mixed outcomes within one row (200, 503, 400) give exactly one settle with each record its result', async () => {
  const statusOf = (i: number) => [200, 503, 400][i % 3]!;
  const respond = (r: ReceivedRequest) => ({ status: r.headers['loghook-attempt'] === '1' ? statusOf(indexes(r)[0]!) : 200 });
  const h = await setup({ batchSize: 1, concurrency: 4, receiver: { respond } });
  try {
    const row = h.queue.add(Array.from({ length: 12 }, (_, i) => record(i)), { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.settles.length === 1);
    assert.equal(h.rx.requests.length, 12);
    assert.deepEqual(h.queue.acks, []);
    const [s] = h.queue.settles;
    assert.equal(s!.rowId, row.rowId);
    const dueAts = new Set<number>();
    s!.results.forEach((r, i) => {
      if (statusOf(i) === 200) assert.deepEqual(r, { kind: 'delivered' }, `record ${i}`);
      else if (statusOf(i) === 400) assert.deepEqual(r, { kind: 'dead', reason: 'final', disposition: '400 Bad Request: ok' }, `record ${i}`);
      else {
        assert.ok(r.kind === 'retry', `record ${i}`);
        assert.equal(r.disposition, '503 Service Unavailable: ok');
        assert.ok(r.dueAt >= T0 + 48_000 && r.dueAt <= T0 + 72_000, `record ${i}: jittered wait`);
        dueAts.add(r.dueAt);
      }
    });
    assert.equal(dueAts.size, 4, 'every record its own due time');
    assert.deepEqual({ ...h.d.stats(), lastError: null }, {
      delivered: 4, retried: 4, dead: 4, expired: 0, inFlightRequests: 0, inFlightRecords: 0, waitingRecords: 0, lastError: null, endpoint: 'closed', failedProbes: 0,
      requestsDone: 12, answered: 12, misconfigured: null,
    });
    assert.deepEqual(h.queue.dead.map((d) => [d.eventId, d.attempts]), [2, 5, 8, 11].map((i) => [`0123456789abcdef-${i}`, 1]));
    // The retried records come back as rows of their own, one more attempt each.
    h.clock.set(T0 + 72_000);
    await until(() => h.queue.acks.length === 4, 'the retries were tried again');
    assert.deepEqual(h.rx.requests.slice(12).map((r) => r.headers['loghook-attempt']), ['2', '2', '2', '2']);
    assert.equal(h.queue.settles.length, 1);
  } finally {
    await h.close();
  }
});

test('a row spread over concurrent batches settles once, after its last batch ends', async () => {
  const { wrap, held } = holding();
  const h = await setup({
    batchSize: 10,
    concurrency: 4,
    wrap,
    receiver: { respond: (r) => ({ status: indexes(r)[0]! === 10 ? 503 : 200 }) },
  });
  try {
    const row = h.queue.add(Array.from({ length: 40 }, (_, i) => record(i)), { createdAt: T0 });
    void h.d.start();
    await until(() => held.length === 4, 'four requests in flight');
    assert.deepEqual(h.rx.requests.map((r) => indexes(r).length), [10, 10, 10, 10]);
    const byFirst = new Map(held.map((x) => [x.first, x]));
    // Records 30-39 first, then 20-29, then 10-19 (a 503): the row waits for records 0-9.
    for (const first of [30, 20, 10]) byFirst.get(first)!.release();
    await until(() => h.d.stats().inFlightRequests === 1);
    assert.deepEqual([h.queue.acks, h.queue.settles], [[], []], 'nothing applied while a record has no result');
    byFirst.get(0)!.release();
    await until(() => h.queue.settles.length === 1);
    const { rowId, results } = h.queue.settles[0]!;
    assert.equal(rowId, row.rowId);
    assert.deepEqual(results.map((r) => r.kind), Array.from({ length: 40 }, (_, i) => (i >= 10 && i < 20 ? 'retry' : 'delivered')));
    assert.deepEqual(h.queue.acks, []);
  } finally {
    await h.close();
  }
});

test('batch size 30 over a row of 100: batches of 30, 30, 30 and 10, then one ack', async () => {
  const h = await setup({ batchSize: 30, concurrency: 1 });
  try {
    const row = h.queue.add(Array.from({ length: 100 }, (_, i) => record(i)), { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.delivered.length === 100);
    assert.deepEqual(h.rx.requests.map((r) => indexes(r).length), [30, 30, 30, 10]);
    assert.deepEqual(h.rx.requests.flatMap(indexes), Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual(h.queue.acks, [[row.rowId]]);
  } finally {
    await h.close();
  }
});

test('batch size 30 over two rows of 100: the batch that ends the first row goes on into the second', async () => {
  const h = await setup({ batchSize: 30, concurrency: 1 });
  try {
    const rows = [0, 1].map((k) => h.queue.add(Array.from({ length: 100 }, (_, i) => record(k * 100 + i)), { createdAt: T0 }));
    void h.d.start();
    await until(() => h.queue.delivered.length === 200);
    assert.deepEqual(h.rx.requests.map((r) => indexes(r).length), [30, 30, 30, 30, 30, 30, 20]);
    assert.deepEqual(indexes(h.rx.requests[3]!), Array.from({ length: 30 }, (_, i) => 90 + i), 'the 4th batch spans the rows');
    assert.deepEqual(h.queue.acks, [[rows[0]!.rowId], [rows[1]!.rowId]]);
  } finally {
    await h.close();
  }
});

test('batches cut from rows never exceed batchSize or maxBatchBytes, and keep the records in order', async () => {
  const maxBatchBytes = 1500;
  const h = await setup({ batchSize: 30, maxBatchBytes, concurrency: 3 });
  try {
    for (let k = 0; k < 3; k++) h.queue.add(Array.from({ length: 100 }, (_, i) => record(k * 100 + i, (i * 37) % 90)), { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.delivered.length === 300);
    for (const r of h.rx.requests) {
      assert.ok(r.body.length <= maxBatchBytes, `${r.body.length} bytes`);
      assert.ok(indexes(r).length <= 30);
    }
    const sent = h.rx.requests.flatMap(indexes).sort((x, y) => x - y);
    assert.deepEqual(sent, Array.from({ length: 300 }, (_, i) => i), 'each record once');
    assert.equal(h.queue.acks.length, 3);
  } finally {
    await h.close();
  }
});

test('a batch spanning rows lists its records under one batch id and carries the most-tried record\'s attempt', async () => {
  const h = await setup({ batchSize: 4 });
  try {
    h.queue.add([record(0), record(1), record(2)], { createdAt: T0, firstLine: 20 });
    h.queue.add([record(3), record(4)], { createdAt: T0, firstLine: 7, attempts: 2 });
    void h.d.start();
    await until(() => h.queue.delivered.length === 5);
    const [a, b] = h.rx.requests;
    assert.equal(a!.headers['loghook-event-ids'], '0123456789abcdef-20..22,7');
    assert.match(String(a!.headers['webhook-id']), /^b-[0-9a-f]{32}$/);
    assert.equal(a!.headers['loghook-attempt'], '3');
    assert.equal(b!.headers['webhook-id'], '0123456789abcdef-8');
    assert.equal(b!.headers['loghook-attempt'], '3');
  } finally {
    await h.close();
  }
});

test('a failure expires each record whose own next try would fall past max age; the others retry', async () => {
  // A 60 s wait jittered by +-20% is 48-72 s: with a max age of 60 s some records make it, some not.
  const h = await setup({ batchSize: 40, maxAgeMs: 60_000, receiver: { defaultResponse: { status: 503 } } });
  try {
    h.queue.add(Array.from({ length: 40 }, (_, i) => record(i)), { createdAt: T0 });
    void h.d.start();
    await until(() => h.queue.settles.length === 1);
    const { results } = h.queue.settles[0]!;
    const kinds = new Set(results.map((r) => r.kind));
    assert.deepEqual(kinds, new Set(['retry', 'dead']), 'both outcomes happen');
    for (const r of results) {
      if (r.kind === 'retry') assert.ok(r.dueAt <= T0 + 60_000);
      else assert.deepEqual(r, { kind: 'dead', reason: 'expired', disposition: '503 Service Unavailable: ok' });
    }
    const expired = results.filter((r) => r.kind === 'dead').length;
    assert.deepEqual([h.d.stats().expired, h.d.stats().retried], [expired, 40 - expired]);
  } finally {
    await h.close();
  }
});

test('stop() with a row half done writes what is known: delivered records leave, the untried rest stays queued as one row', async () => {
  const tmp = makeTempDir();
  const stateDir = join(tmp.path, 'state');
  const clock = new ManualClock(T0);
  let spool = Spool.open({ stateDir, clock });
  const { wrap, held } = holding();
  const h = await setup({ batchSize: 1, concurrency: 2, wrap, queue: spool });
  try {
    const texts = Array.from({ length: 10 }, (_, i) => JSON.stringify(record(i)) + '\n');
    let end = 0;
    const ends = texts.map((t) => (end += t.length));
    const lines = texts.map((_, i) => i);
    spool.commit([{ stream: 's', segment: 'seg', segmentKey: '0123456789abcdef', lines, ends, body: Buffer.from(texts.join('')) }]);
    void h.d.start();
    await until(() => held.length === 2);
    held[0]!.release();
    held[1]!.release();
    await until(() => held.length === 4);
    const stopping = h.d.stop({ timeoutMs: 10_000 });
    held[2]!.release();
    held[3]!.release();
    assert.deepEqual(await stopping, { abandonedRequests: 0 });
    assert.equal(h.d.stats().delivered, 4);
    assert.equal(h.rx.requests.length, 4, 'nothing new after stop()');
    spool.close();
    spool = Spool.open({ stateDir, clock });
    const rest = end - ends[3]!;
    assert.deepEqual(spool.counts(), { rows: 1, records: 6, bytes: rest }, 'a clean stop sends nothing twice');
    const [again] = spool.takeDue(100, T0);
    assert.deepEqual([...again!.lines], [4, 5, 6, 7, 8, 9]);
    assert.equal(again!.attempts, 0);
    assert.equal(again!.body.toString(), texts.slice(4).join(''));
  } finally {
    await h.close();
    spool.close();
    tmp.cleanup();
  }
});
