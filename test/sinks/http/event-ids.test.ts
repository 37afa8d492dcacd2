// Loghook-Event-Ids never makes a request that common servers refuse: nginx answers 400 to any
// header line over 8 KiB (large_client_header_buffers 4 8k). The receivers here enforce that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpClient } from '../../../src/sinks/http/client.js';
import { EVENT_ID_HEADER_BUDGET } from '../../../src/sinks/http/headers.js';
import { parseEventIdList } from '../../../src/hook/event-id-list.js';
import { eventIdsOf } from '../../../src/hook/event-id.js';
import { FakeQueue } from '../../deliver/fake-queue.js';
import { record, setup, T0, until } from '../../deliver/harness.js';
import { Receiver } from '../../helpers/receiver.js';
import { requestOf, rowsOf, withSink } from './support.js';

const nginxLimit = { maxHeaderLineBytes: 8192 };

test('the test receiver refuses a header line over 8 KiB, as nginx does', async () => {
  const rx = await Receiver.start(nginxLimit);
  const c = new HttpClient({ url: rx.url });
  try {
    const out = await c.post(Buffer.from('[]'), { 'loghook-event-ids': 'x'.repeat(8200) });
    assert.ok(out.kind === 'response' && out.status === 400);
  } finally {
    await c.close();
    await rx.close();
  }
});

test('a batch of 1,000 consecutive records lists its ids as one run', () =>
  withSink({ receiver: nginxLimit }, async ({ rx, sink }) => {
    const rows = rowsOf([100, 100, 100, 100, 100, 100, 100, 100, 100, 100], { firstLine: 5000 });
    assert.equal((await sink.send(requestOf(rows))).verdict, 'delivered');
    assert.equal(rx.requests[0]!.headers['loghook-event-ids'], '0123456789abcdef-5000..5999');
    assert.equal(Receiver.eventIdsOf(rx.requests[0]!).length, 1000);
  }));

test('a batch of 1,000 scattered records: the list is cut at the budget, the rest counted, and the request is taken', () =>
  withSink({ receiver: nginxLimit }, async ({ rx, sink, logs }) => {
    // every third line, as a hook that keeps only some record types sends them
    const q = new FakeQueue();
    const rows = Array.from({ length: 10 }, (_, r) => q.add(Array.from({ length: 100 }, (_, i) => record(r * 100 + i)), { createdAt: T0 }));
    for (const m of rows) m.lines = m.lines.map((l) => 1_000_000 + l * 3);
    const req = requestOf(rows);
    assert.equal((await sink.send(req)).verdict, 'delivered');
    const r = rx.requests[0]!;
    const header = String(r.headers['loghook-event-ids']);
    assert.ok(header.length <= EVENT_ID_HEADER_BUDGET, String(header.length));
    const listed = parseEventIdList(header);
    assert.deepEqual(listed, req.eventIds.slice(0, listed.length), 'the first records, in body order');
    assert.equal(Number(r.headers['loghook-event-ids-truncated']), 1000 - listed.length);
    assert.equal(Receiver.parseBody(r).length, 1000, 'every record is in the body');
    assert.equal(logs.filter((l) => /do not fit the Loghook-Event-Ids header/.test(l.msg)).length, 1);
    await sink.send(req);
    assert.equal(logs.filter((l) => /do not fit the Loghook-Event-Ids header/.test(l.msg)).length, 1, 'warned once');
  }));

test('through the dispatcher: batches of 1,000 records all arrive at a receiver with an 8 KiB header line limit', async () => {
  const h = await setup({ batchSize: 1000, concurrency: 2, maxBatchBytes: 16 << 20, receiver: nginxLimit });
  try {
    for (let r = 0; r < 30; r++) {
      const m = h.queue.add(Array.from({ length: 100 }, (_, i) => record(r * 100 + i)), { createdAt: T0 });
      if (r % 2 === 1) m.lines = m.lines.map((l) => l * 7); // half the rows scattered
    }
    void h.d.start();
    await until(() => h.queue.delivered.length === 3000, 'all delivered', 20_000);
    assert.equal(h.queue.dead.length, 0);
    assert.equal(h.rx.requests.length, 3);
    assert.ok(h.rx.requests.every((r) => r.response.status === undefined), 'every request was answered 200');
    assert.equal(h.rx.records().length, 3000);
  } finally {
    await h.close();
  }
});

test('a request id stays the batch id of every record even when the list is cut', () =>
  withSink({}, async ({ rx, sink }) => {
    const rows = rowsOf([600]);
    rows[0]!.lines = rows[0]!.lines.map((l) => l * 1000);
    const req = requestOf(rows);
    await sink.send(req);
    assert.equal(rx.requests[0]!.headers['webhook-id'], req.id);
    assert.equal(req.eventIds.length, eventIdsOf(req.slices).length);
    assert.ok(rx.requests[0]!.headers['loghook-event-ids-truncated']);
  }));
