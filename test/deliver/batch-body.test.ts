import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyFromRecords, bodyFromRows, bodyFromSlices, bodySize } from '../../src/deliver/batch-body.js';
import { FakeQueue } from './fake-queue.js';

const recs = ['{"type":"Delivery","id":"a"}', '{"type":"Bounce","id":"b","x":[1,2]}', '{"type":"Reception","id":"c","s":"é"}'];

test('a single record is sent byte for byte, newline included, as application/json', () => {
  const q = new FakeQueue();
  const row = q.add([recs[0]!]);
  const b = bodyFromRows([row], 'array');
  assert.equal(b.body.toString(), recs[0] + '\n');
  assert.equal(b.contentType, 'application/json');
  assert.equal(bodyFromRows([row], 'ndjson').contentType, 'application/json');
});

test('array: the raw records joined into a JSON array, 1 byte longer than the records', () => {
  const q = new FakeQueue();
  const rows = [q.add(recs.slice(0, 2)), q.add(recs.slice(2))];
  const b = bodyFromRows(rows, 'array');
  assert.equal(b.contentType, 'application/json');
  assert.deepEqual(JSON.parse(b.body.toString()), recs.map((r) => JSON.parse(r)));
  assert.equal(b.body.toString(), `[${recs.join(',')}]`);
  const recordBytes = rows.reduce((n, r) => n + r.body.length, 0);
  assert.equal(b.body.length, recordBytes + 1);
  assert.equal(b.body.length, bodySize(3, recordBytes, 'array'));
});

test('ndjson: the records concatenated, as application/x-ndjson', () => {
  const q = new FakeQueue();
  const rows = [q.add(recs.slice(0, 1)), q.add(recs.slice(1))];
  const b = bodyFromRows(rows, 'ndjson');
  assert.equal(b.contentType, 'application/x-ndjson');
  assert.equal(b.body.toString(), recs.join('\n') + '\n');
});

test('slices take a part of a row', () => {
  const q = new FakeQueue();
  const row = q.add(recs);
  assert.equal(bodyFromSlices([{ msg: row, from: 1, to: 3 }], 'array').body.toString(), `[${recs[1]},${recs[2]}]`);
  assert.equal(bodyFromSlices([{ msg: row, from: 2, to: 3 }], 'array').body.toString(), recs[2] + '\n');
  assert.equal(bodyFromSlices([{ msg: row, from: 0, to: 2 }], 'ndjson').body.toString(), `${recs[0]}\n${recs[1]}\n`);
});

test('records from separate buffers, with or without their newline', () => {
  const bufs = [Buffer.from(recs[0] + '\n'), Buffer.from(recs[1]!), Buffer.from(recs[2] + '\n')];
  assert.equal(bodyFromRecords(bufs, 'array').body.toString(), `[${recs.join(',')}]`);
  assert.equal(bodyFromRecords(bufs, 'ndjson').body.toString(), recs.join('\n') + '\n');
  assert.equal(bodyFromRecords([bufs[0]!], 'array').body, bufs[0]);
});

test('a row whose record lacks the newline still gives valid JSON', () => {
  const body = Buffer.from(`${recs[0]}\n${recs[1]}`);
  const ends = Uint32Array.of(recs[0]!.length + 1, body.length);
  assert.deepEqual(JSON.parse(bodyFromRows([{ body, ends }], 'array').body.toString()), recs.slice(0, 2).map((r) => JSON.parse(r)));
});

test('building array bodies is fast (over 1 M records/s)', () => {
  const q = new FakeQueue();
  const line = JSON.stringify({ type: 'Delivery', id: 'x'.repeat(32), pad: 'y'.repeat(900) });
  const rows = Array.from({ length: 10 }, () => q.add(Array.from({ length: 100 }, () => line)));
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (let i = 0; i < 2000; i++) {
    bodyFromRows(rows, 'array');
    n += 1000;
  }
  const perSec = n / (Number(process.hrtime.bigint() - t0) / 1e9);
  assert.ok(perSec > 1e6, `${Math.round(perSec)} records/s`);
});
