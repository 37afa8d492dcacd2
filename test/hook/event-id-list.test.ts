import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventIdListMeter, eventIdListBytes, formatEventIdList, formatPrefix, parseEventIdList } from '../../src/hook/event-id-list.js';
import { eventIdsOf, type IdRange } from '../../src/hook/event-id.js';
import { seededRandom } from '../helpers/manual-clock.js';

const A = '0123456789abcdef';
const B = 'fedcba9876543210';
const row = (segmentKey: string, lines: number[]): IdRange => ({ msg: { segmentKey, lines }, from: 0, to: lines.length });

test('consecutive lines of a segment are one run; a new segment names itself', () => {
  const ranges = [row(A, [17, 18, 19]), row(A, [20, 120, 125, 126]), row(B, [0, 1, 2, 3])];
  assert.equal(formatEventIdList(ranges), `${A}-17..20,120,125..126,${B}-0..3`);
});

test('a single record is its event id as before', () => {
  assert.equal(formatEventIdList([row(A, [5])]), `${A}-5`);
  assert.equal(formatEventIdList([row(A, [5]), row(B, [9])]), `${A}-5,${B}-9`);
});

test('going back to an earlier segment names it again; descending lines start new items', () => {
  assert.equal(formatEventIdList([row(A, [1]), row(B, [2]), row(A, [3, 2, 1])]), `${A}-1,${B}-2,${A}-3,2,1`);
});

test('only the slice of a row counts', () => {
  assert.equal(formatEventIdList([{ msg: { segmentKey: A, lines: [1, 2, 3, 4, 5] }, from: 1, to: 3 }]), `${A}-2..3`);
});

test('parse undoes format: randomized batches expand to their event ids in order, whole or cut to a budget', () => {
  const rnd = seededRandom(7);
  for (let n = 0; n < 300; n++) {
    const ranges: IdRange[] = [];
    let line = Math.floor(rnd() * 1e6);
    for (let r = 0; r < 1 + rnd() * 5; r++) {
      const lines: number[] = [];
      for (let i = 0; i < rnd() * 30; i++) {
        const step = rnd();
        line = step < 0.7 ? line + 1 : step < 0.9 ? line + Math.floor(rnd() * 50) : Math.floor(rnd() * 1e6);
        lines.push(line);
      }
      ranges.push(row(rnd() < 0.7 ? A : B, lines));
    }
    const text = formatEventIdList(ranges);
    assert.deepEqual(parseEventIdList(text), eventIdsOf(ranges), text);
    assert.equal(eventIdListBytes(ranges), Buffer.byteLength(text), text);
    // one byte short of the whole list: the record-by-record path names a prefix of the ids
    const ids = eventIdsOf(ranges);
    if (ids.length === 0) continue;
    const cut = formatPrefix(ranges, text.length - 1);
    assert.ok(cut.records < ids.length && cut.text.length <= text.length - 1, text);
    assert.deepEqual(parseEventIdList(cut.text), ids.slice(0, cut.records), text);
  }
});

test('the meter predicts the bytes record by record', () => {
  const m = new EventIdListMeter();
  const records: [string, number][] = [[A, 9], [A, 10], [A, 11], [A, 99], [A, 100], [A, 101], [B, 5], [B, 6], [A, 7]];
  for (let n = 1; n <= records.length; n++) {
    const [seg, line] = records[n - 1]!;
    const predicted = m.bytesWith(seg, line);
    m.add(seg, line);
    assert.equal(m.bytes, predicted);
    assert.equal(m.bytes, formatEventIdList(records.slice(0, n).map(([s, l]) => row(s, [l]))).length);
  }
});

test('a prefix stops at the byte budget and says how many records it names', () => {
  const sparse = row(A, Array.from({ length: 1000 }, (_, i) => 1000 + i * 2));
  const p = formatPrefix([sparse], 4096);
  assert.ok(p.text.length <= 4096);
  assert.ok(p.records > 500 && p.records < 1000, String(p.records));
  assert.deepEqual(parseEventIdList(p.text), eventIdsOf([{ ...sparse, to: p.records }]));
  assert.deepEqual(formatPrefix([sparse], Infinity).records, 1000);
});

test('a thousand consecutive records take a few dozen bytes', () => {
  const text = formatEventIdList([row(A, Array.from({ length: 1000 }, (_, i) => 123_456 + i))]);
  assert.equal(text, `${A}-123456..124455`);
});

test('parse rejects what the grammar does not allow', () => {
  for (const bad of ['17', `${A}-5..3`, `${A}-x`, `${A.slice(1)}-1`, `${A}-1,,2`]) assert.throws(() => parseEventIdList(bad), Error, bad);
  assert.deepEqual(parseEventIdList(''), []);
});
