import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planBatch, type BatchLimits, type PendingRow } from '../../src/deliver/batcher.js';
import { bodySize } from '../../src/deliver/batch-body.js';
import type { QueuedRow } from '../../src/spool/types.js';
import { seededRandom } from '../helpers/manual-clock.js';
import { FakeQueue } from './fake-queue.js';
import { formatEventIdList } from '../../src/hook/event-id-list.js';

const limits = (o: Partial<BatchLimits> = {}): BatchLimits => ({
  batchSize: 100,
  maxBatchBytes: 1 << 20,
  minBatchSize: 1,
  maxBatchLatencyMs: 1000,
  format: 'array',
  ...o,
});
const rec = (n: number) => 'x'.repeat(n - 1); // n bytes with its newline
const pend = (rows: QueuedRow[]): { msg: QueuedRow; next: number }[] => rows.map((msg) => ({ msg, next: 0 }));
/** Each batch as [row index, from, to] per slice. */
const shape = (rows: QueuedRow[], p: ReturnType<typeof planBatch>) =>
  p.kind === 'send' ? p.slices.map((s) => [rows.indexOf(s.msg), s.from, s.to]) : p.kind;

/** Plans and "sends" until nothing is left, as the dispatcher does; returns each batch's record count. */
function drain(pending: { msg: QueuedRow; next: number }[], l: BatchLimits, check: (p: Extract<ReturnType<typeof planBatch>, { kind: 'send' }>) => void = () => {}): number[] {
  const sizes: number[] = [];
  for (;;) {
    const p = planBatch(pending, l, 0, true);
    if (p.kind === 'idle') return sizes;
    assert.equal(p.kind, 'send');
    if (p.kind !== 'send') return sizes;
    check(p);
    for (const s of p.slices) (s.row as { next: number }).next = s.to;
    while (pending.length > 0 && pending[0]!.next === pending[0]!.msg.ends.length) pending.shift();
    sizes.push(p.records);
  }
}

test('nothing due: idle', () => {
  assert.deepEqual(planBatch([], limits(), 0), { kind: 'idle' });
});

test('a batch takes records in order up to batchSize, a row whole or in part', () => {
  const q = new FakeQueue();
  const rows = [q.add([rec(10), rec(10)]), q.add([rec(10)]), q.add([rec(10), rec(10)]), q.add([rec(10)])];
  const p = planBatch(pend(rows), limits({ batchSize: 4 }), 0);
  assert.deepEqual(shape(rows, p), [[0, 0, 2], [1, 0, 1], [2, 0, 1]]);
  assert.ok(p.kind === 'send');
  assert.equal(p.records, 4);
});

test('the rest of a partly sent row starts the next batch', () => {
  const q = new FakeQueue();
  const rows = [q.add([rec(10), rec(10), rec(10)]), q.add([rec(10), rec(10)])];
  const pending: PendingRow[] = [{ msg: rows[0]!, next: 2 }, { msg: rows[1]!, next: 0 }];
  assert.deepEqual(shape(rows, planBatch(pending, limits({ batchSize: 2 }), 0)), [[0, 2, 3], [1, 0, 1]]);
});

test('batch size 30 over one row of 100: batches of 30, 30, 30 and 10', () => {
  const q = new FakeQueue();
  const row = q.add(Array.from({ length: 100 }, () => rec(20)));
  assert.deepEqual(drain(pend([row]), limits({ batchSize: 30 })), [30, 30, 30, 10]);
});

test('batch size 30 over rows of 100: batches span rows, all of 30 but the last', () => {
  const q = new FakeQueue();
  const rows = [0, 1, 2].map(() => q.add(Array.from({ length: 100 }, () => rec(20))));
  const spans: number[][] = [];
  const sizes = drain(pend(rows), limits({ batchSize: 30 }), (p) => spans.push(p.slices.map((s) => s.to - s.from)));
  assert.deepEqual(sizes, [...Array<number>(10).fill(30)]);
  assert.deepEqual(spans[3], [10, 20], 'the 4th batch ends row 1 and starts row 2');
});

test('a body never exceeds maxBatchBytes (array adds 1 byte); the record that does not fit starts the next batch', () => {
  const q = new FakeQueue();
  const rows = [q.add([rec(40)]), q.add([rec(40), rec(20)]), q.add([rec(19)])];
  const p = planBatch(pend(rows), limits({ maxBatchBytes: 100 }), 0);
  assert.deepEqual(shape(rows, p), [[0, 0, 1], [1, 0, 1]]);
  assert.ok(p.kind === 'send');
  assert.equal(p.bodyBytes, 40 + 40 + 1);
  const nd = planBatch(pend(rows), limits({ maxBatchBytes: 100, format: 'ndjson' }), 0);
  assert.deepEqual(shape(rows, nd), [[0, 0, 1], [1, 0, 2]]);
  assert.ok(nd.kind === 'send');
  assert.equal(nd.bodyBytes, 100);
});

test('a single record larger than maxBatchBytes goes alone, also from the middle of a row', () => {
  const q = new FakeQueue();
  const rows = [q.add([rec(500)]), q.add([rec(10)])];
  const p = planBatch(pend(rows), limits({ maxBatchBytes: 100 }), 0);
  assert.ok(p.kind === 'send');
  assert.equal(p.oversized, true);
  assert.deepEqual(shape(rows, p), [[0, 0, 1]]);
  const mixed = q.add([rec(10), rec(500), rec(10)]);
  assert.deepEqual(drain(pend([mixed]), limits({ maxBatchBytes: 100 })), [1, 1, 1]);
});

test('randomized: every record goes exactly once, in order, in batches within the limits that are as full as they can be', () => {
  const random = seededRandom(7);
  const int = (n: number) => Math.floor(random() * n);
  for (let round = 0; round < 200; round++) {
    const q = new FakeQueue();
    const rows = Array.from({ length: 1 + int(6) }, () => q.add(Array.from({ length: 1 + int(120) }, () => rec(2 + int(60)))));
    const l = limits({ batchSize: 1 + int(40), maxBatchBytes: 30 + int(600), format: random() < 0.5 ? 'array' : 'ndjson' });
    const sent: string[] = [];
    const pending = pend(rows);
    drain(pending, l, (p) => {
      let bytes = 0;
      for (const s of p.slices) {
        for (let i = s.from; i < s.to; i++) sent.push(`${s.msg.rowId}:${i}`);
        bytes += (s.to === 0 ? 0 : s.msg.ends[s.to - 1]!) - (s.from === 0 ? 0 : s.msg.ends[s.from - 1]!);
      }
      assert.equal(p.bodyBytes, bodySize(p.records, bytes, l.format));
      assert.ok(p.records <= l.batchSize, `round ${round}: ${p.records} records`);
      if (p.oversized) assert.equal(p.records, 1);
      else assert.ok(p.bodyBytes <= l.maxBatchBytes, `round ${round}: ${p.bodyBytes} bytes`);
      // Full: the next record would not fit (or there is none).
      const last = p.slices.at(-1)!;
      const nextRow = last.to < last.msg.ends.length ? last.msg : rows[rows.indexOf(last.msg) + 1];
      if (nextRow !== undefined && p.records < l.batchSize && !p.oversized) {
        const i = nextRow === last.msg ? last.to : 0;
        const len = nextRow.ends[i]! - (i === 0 ? 0 : nextRow.ends[i - 1]!);
        assert.ok(bodySize(p.records + 1, bytes + len, l.format) > l.maxBatchBytes, `round ${round}: the batch could hold one more`);
      }
    });
    assert.deepEqual(sent, rows.flatMap((r) => Array.from(r.ends, (_, i) => `${r.rowId}:${i}`)), `round ${round}`);
  }
});

test('minBatchSize waits until enough records are due or the oldest has waited maxBatchLatency', () => {
  const q = new FakeQueue();
  const l = limits({ minBatchSize: 5, maxBatchLatencyMs: 1000 });
  const rows = [q.add([rec(10)], { dueAt: 100 }), q.add([rec(10), rec(10)], { dueAt: 300 })];
  assert.deepEqual(planBatch(pend(rows), l, 500), { kind: 'wait', until: 1100 });
  assert.equal(planBatch(pend(rows), l, 1100).kind, 'send');
  rows.push(q.add([rec(10), rec(10)], { dueAt: 600 }));
  const p = planBatch(pend(rows), l, 600);
  assert.ok(p.kind === 'send');
  assert.equal(p.records, 5);
  const partly: PendingRow[] = [{ msg: rows[2]!, next: 1 }, { msg: q.add([rec(10), rec(10), rec(10)], { dueAt: 600 }), next: 0 }];
  assert.deepEqual(planBatch(partly, l, 600), { kind: 'wait', until: 1600 }, 'only the records not sent yet count');
});

test('flush sends at once, and a batch already full by bytes does not wait', () => {
  const q = new FakeQueue();
  const rows = [q.add([rec(60)], { dueAt: 0 }), q.add([rec(60)], { dueAt: 0 })];
  const l = limits({ minBatchSize: 10, maxBatchLatencyMs: 1000 });
  assert.equal(planBatch(pend(rows.slice(0, 1)), l, 0).kind, 'wait');
  assert.equal(planBatch(pend(rows.slice(0, 1)), l, 0, true).kind, 'send');
  assert.equal(planBatch(pend(rows), limits({ minBatchSize: 10, maxBatchBytes: 100 }), 0).kind, 'send');
});

test('with an id budget, a batch of scattered lines stops before its compact id list would pass it', () => {
  const q = new FakeQueue();
  // lines 0, 2, 4, ...: no runs, so every id adds ",<line>"
  const rows = Array.from({ length: 300 }, (_, i) => q.add([rec(20)], { firstLine: i * 2 }));
  const budget = 200;
  drain(pend(rows), limits({ batchSize: 1000, maxIdListBytes: budget }), (p) => {
    const meterText = formatEventIdList(p.slices);
    assert.ok(meterText.length <= budget, `${meterText.length} bytes of ids`);
  });
  // consecutive lines make one run: the whole batch fits however large
  const q2 = new FakeQueue();
  const run = [q2.add(Array.from({ length: 500 }, () => rec(20)))];
  assert.deepEqual(drain(pend(run), limits({ batchSize: 1000, maxIdListBytes: budget })), [500]);
});
