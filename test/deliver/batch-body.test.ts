import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyFromRecords, bodyFromSlices, bodySize, type BatchFormat, type RowSlice } from '../../src/deliver/batch-body.js';
import { FakeQueue } from './fake-queue.js';

/** Body of whole rows, in order. */
function bodyFromRows(rows: readonly RowSlice['msg'][], format: BatchFormat) {
  return bodyFromSlices(rows.map((msg) => ({ msg, from: 0, to: msg.ends.length })), format);
}

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
  assert.deepEqual(JSON.parse(bodyFromRows([{ body, ends, starts: null }], 'array').body.toString()), recs.slice(0, 2).map((r) => JSON.parse(r)));
});

test('records not back to back (a hook that took some of a chunk) give the same bodies', () => {
  // the records any hook kept lie in one buffer; this hook took the 1st and 3rd
  const body = Buffer.from(recs.map((r) => r + '\n').join(''));
  const e0 = recs[0]!.length + 1;
  const s2 = e0 + recs[1]!.length + 1;
  const msg = { body, starts: Uint32Array.of(0, s2), ends: Uint32Array.of(e0, body.length) };
  assert.equal(bodyFromSlices([{ msg, from: 0, to: 2 }], 'array').body.toString(), `[${recs[0]},${recs[2]}]`);
  assert.equal(bodyFromSlices([{ msg, from: 0, to: 2 }], 'ndjson').body.toString(), `${recs[0]}\n${recs[2]}\n`);
  assert.equal(bodyFromSlices([{ msg, from: 1, to: 2 }], 'array').body.toString(), recs[2] + '\n');
  assert.equal(bodyFromSlices([{ msg, from: 1, to: 2 }, { msg, from: 0, to: 1 }], 'array').body.toString(), `[${recs[2]},${recs[0]}]`);
});
