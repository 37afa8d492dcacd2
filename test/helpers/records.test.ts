import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fixturePath } from './fixtures.js';
import { createRecordGenerator, segmentName } from './records.js';

// kumod's name pattern, from KUMO-FORMAT §1
const SEGMENT_NAME = /^(\d{8})-(\d{6})(?:\.(\d{9}|\d{6}|\d{3}))?(.*)$/;

test('reproduces the reference simulator records byte for byte', () => {
  const sample = readFileSync(fixturePath('records-kumo-sim-seed1.jsonl'), 'utf8').split(/(?<=\n)/);
  // kumo-sim draws once for the segment name before its first record
  const gen = createRecordGenerator({ seed: (1 + 0x6d2b79f5) >>> 0 });
  assert.equal(sample.length, 20);
  for (const line of sample) assert.equal(gen.nextLine(), line);
});

test('same seed gives the same records, another seed others', () => {
  const lines = (seed: number) => {
    const gen = createRecordGenerator({ seed });
    return Array.from({ length: 50 }, () => gen.nextLine());
  };
  assert.deepEqual(lines(7), lines(7));
  assert.notDeepEqual(lines(7), lines(8));
});

test('records have kumod field order, the type mix, ~1 KB and ~1% LogRecord', () => {
  const gen = createRecordGenerator({ seed: 3 });
  const n = 20_000;
  const types = new Map<string, number>();
  let bytes = 0;
  let logRecord = 0;
  let arrays = 0;
  for (let i = 0; i < n; i++) {
    const line = gen.nextLine();
    bytes += Buffer.byteLength(line);
    const rec = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(rec).slice(0, 10), ['type', 'id', 'sender', 'recipient', 'queue', 'site', 'size', 'response', 'peer_address', 'timestamp']);
    types.set(rec.type as string, (types.get(rec.type as string) ?? 0) + 1);
    if (rec.reception_protocol === 'LogRecord') logRecord++;
    if (Array.isArray(rec.recipient)) arrays++;
  }
  assert.deepEqual([...types.keys()].sort(), ['AdminBounce', 'Bounce', 'Delayed', 'Delivery', 'Expiration', 'Feedback', 'OOB', 'Reception', 'Rejection', 'TransientFailure']);
  assert.ok(Math.abs(types.get('Reception')! / n - 0.42) < 0.02);
  assert.ok(bytes / n > 800 && bytes / n < 1200, `mean record ${bytes / n} bytes`);
  assert.ok(logRecord / n > 0.005 && logRecord / n < 0.015, `${logRecord} LogRecord records`);
  assert.ok(arrays > 0, 'some records have several recipients');
});

test('the event clock starts at start and advances with the records', () => {
  const gen = createRecordGenerator({ start: '2025-09-12T11:08:01Z' });
  assert.equal(gen.now(), Date.parse('2025-09-12T11:08:01Z'));
  let last = gen.now();
  for (let i = 0; i < 100; i++) {
    const rec = gen.next();
    assert.equal(rec.timestamp, Math.floor(gen.now() / 1000));
    assert.ok(gen.now() >= last);
    last = gen.now();
  }
});

test('segmentName follows kumod: UTC seconds, 9-digit fraction by default, suffix last', () => {
  const ms = Date.parse('2025-09-12T11:08:01.440Z');
  assert.equal(segmentName(ms), '20250912-110801.440000000');
  assert.equal(segmentName(ms, '_recv', '440526026'), '20250912-110801.440526026_recv');
  assert.equal(segmentName(ms, '', '500'), '20250912-110801.500');
  assert.equal(segmentName(Date.parse('2023-08-09T15:39:44Z'), '', ''), '20230809-153944');
  for (const name of [segmentName(ms), segmentName(ms, '_recv', '440526'), segmentName(0, '', '')]) assert.match(name, SEGMENT_NAME);
});

test('segmentName rejects a fraction kumod never writes', () => {
  assert.throws(() => segmentName(0, '', '12'), /3, 6 or 9 digits/);
});
