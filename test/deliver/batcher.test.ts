import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planBatch, splitPoints, type BatchLimits } from '../../src/deliver/batcher.js';
import { FakeQueue } from './fake-queue.js';

const limits = (o: Partial<BatchLimits> = {}): BatchLimits => ({
  batchSize: 100,
  maxBatchBytes: 1 << 20,
  minBatchSize: 1,
  maxBatchLatencyMs: 1000,
  format: 'array',
  ...o,
});
const rec = (n: number) => 'x'.repeat(n - 1); // n bytes with its newline

test('nothing due: idle', () => {
  assert.deepEqual(planBatch([], limits(), 0), { kind: 'idle' });
});

test('whole rows are combined up to batchSize records', () => {
  const q = new FakeQueue();
  const rows = [q.add([rec(10), rec(10)]), q.add([rec(10)]), q.add([rec(10), rec(10)]), q.add([rec(10)])];
  const p = planBatch(rows, limits({ batchSize: 4 }), 0);
  assert.equal(p.kind, 'send');
  if (p.kind !== 'send') return;
  assert.deepEqual(p.rows.map((r) => r.rowId), [rows[0]!.rowId, rows[1]!.rowId, rows[3]!.rowId]);
  assert.equal(p.records, 4);
});

test('a body never exceeds maxBatchBytes (array adds 1 byte)', () => {
  const q = new FakeQueue();
  const rows = [q.add([rec(40)]), q.add([rec(40)]), q.add([rec(20)]), q.add([rec(19)])];
  const p = planBatch(rows, limits({ maxBatchBytes: 100 }), 0);
  assert.ok(p.kind === 'send');
  assert.equal(p.records, 3);
  assert.equal(p.bodyBytes, 40 + 40 + 19 + 1);
  const nd = planBatch(rows, limits({ maxBatchBytes: 100, format: 'ndjson' }), 0);
  assert.ok(nd.kind === 'send');
  assert.equal(nd.bodyBytes, 100);
});

test('a row larger than the limits is split into pieces that fit', () => {
  const q = new FakeQueue();
  const big = q.add(Array.from({ length: 10 }, () => rec(30)));
  const p = planBatch([big], limits({ batchSize: 4 }), 0);
  assert.deepEqual(p, { kind: 'split', row: big, cuts: [4, 8] });
  assert.deepEqual(splitPoints(big, limits({ maxBatchBytes: 91 })), [3, 6, 9]);
  assert.deepEqual(splitPoints(big, limits({ maxBatchBytes: 91, format: 'ndjson' })), [3, 6, 9]);
  assert.deepEqual(splitPoints(big, limits({ maxBatchBytes: 90, format: 'ndjson' })), [3, 6, 9]);
  assert.deepEqual(splitPoints(big, limits({ maxBatchBytes: 90 })), [2, 4, 6, 8]);
});

test('a single record larger than maxBatchBytes goes alone', () => {
  const q = new FakeQueue();
  const rows = [q.add([rec(500)]), q.add([rec(10)])];
  const p = planBatch(rows, limits({ maxBatchBytes: 100 }), 0);
  assert.ok(p.kind === 'send');
  assert.equal(p.oversized, true);
  assert.deepEqual(p.rows, [rows[0]]);
  const mixed = q.add([rec(10), rec(500), rec(10)]);
  assert.deepEqual(splitPoints(mixed, limits({ maxBatchBytes: 100 })), [1, 2]);
});

test('minBatchSize waits until enough records are due or the oldest has waited maxBatchLatency', () => {
  const q = new FakeQueue();
  const l = limits({ minBatchSize: 5, maxBatchLatencyMs: 1000 });
  const rows = [q.add([rec(10)], { dueAt: 100 }), q.add([rec(10), rec(10)], { dueAt: 300 })];
  assert.deepEqual(planBatch(rows, l, 500), { kind: 'wait', until: 1100 });
  assert.equal(planBatch(rows, l, 1100).kind, 'send');
  rows.push(q.add([rec(10), rec(10)], { dueAt: 600 }));
  const p = planBatch(rows, l, 600);
  assert.ok(p.kind === 'send');
  assert.equal(p.records, 5);
});

test('flush sends at once, and a batch already full by bytes does not wait', () => {
  const q = new FakeQueue();
  const rows = [q.add([rec(60)], { dueAt: 0 }), q.add([rec(60)], { dueAt: 0 })];
  const l = limits({ minBatchSize: 10, maxBatchLatencyMs: 1000 });
  assert.equal(planBatch(rows.slice(0, 1), l, 0).kind, 'wait');
  assert.equal(planBatch(rows.slice(0, 1), l, 0, true).kind, 'send');
  assert.equal(planBatch(rows, limits({ minBatchSize: 10, maxBatchBytes: 100 }), 0).kind, 'send');
});
