// The replay window and the timestamp read from a line's bytes, on generated kumod records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timestampOf } from '../../src/record/timestamp.js';
import { RecordWindow } from '../../src/replay/window.js';
import type { LineBatch } from '../../src/source/types.js';
import { recordLines } from '../helpers/records.js';
import { T0, timedLines } from './support.js';

function batchOf(lines: string[], firstLine = 0): LineBatch {
  const buf = Buffer.from(lines.join(''));
  const bounds = new Int32Array(lines.length + 1);
  for (let i = 0; i < lines.length; i++) bounds[i + 1] = bounds[i]! + Buffer.byteLength(lines[i]!);
  return { segment: { stream: '/l/*', dir: '/l', name: 'x', path: '/l/x', suffix: '', openedAtMs: 0 }, buf, bounds, count: lines.length, firstLine, bufOffset: 0 };
}

test('the timestamp read from the bytes of a compact record is the parsed one', () => {
  for (const line of recordLines(500, 7)) {
    const b = Buffer.from(line);
    assert.equal(timestampOf(b, 0, b.length), (JSON.parse(line) as { timestamp: number }).timestamp);
  }
});

test('a record not in compact form is parsed for its timestamp, and a line without one has none', () => {
  const spaced = Buffer.from('{ "type": "Delivery", "meta": {"timestamp": 1}, "timestamp": 1700000000.5 }\n');
  assert.equal(timestampOf(spaced, 0, spaced.length), 1700000000.5);
  for (const text of ['not json\n', '{"type":"Delivery","id":"x"}\n', '{"type":"Delivery","timestamp":"soon"}\n']) {
    const b = Buffer.from(text);
    assert.equal(timestampOf(b, 0, b.length), undefined, text);
  }
});

test('the window hands on runs of the records inside it with their own line numbers, --until exclusive', () => {
  const lines = [...timedLines(0, 5), 'garbage\n', ...timedLines(5, 5)];
  const w = new RecordWindow({ sinceS: T0 + 2, untilS: T0 + 8 });
  const runs: { first: number; times: number[] }[] = [];
  w.feed(batchOf(lines, 100), (r) => {
    const times: number[] = [];
    for (let i = 0; i < r.count; i++) times.push((JSON.parse(r.buf.toString('utf8', r.bounds[i]!, r.bounds[i + 1]!)) as { timestamp: number }).timestamp - T0);
    runs.push({ first: r.firstLine, times });
  });
  assert.deepEqual(runs, [{ first: 102, times: [2, 3, 4] }, { first: 106, times: [5, 6, 7] }]);
  assert.deepEqual(w.counts, { outside: 4, untimed: 1 });
});

test('a batch with no record in the window is handed on empty, so its lines still count as read', () => {
  const w = new RecordWindow({ sinceS: T0 + 100 });
  const runs: LineBatch[] = [];
  w.feed(batchOf(timedLines(0, 3), 10), (r) => runs.push(r));
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.count, 0);
  assert.equal(w.counts.outside, 3);
});
