import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, filterRecord, selectLines } from '../../src/hook/filter.js';
import type { LineBatch } from '../../src/source/types.js';

function batch(lines: string[]): LineBatch {
  const buf = Buffer.from(lines.join(''));
  const bounds = new Int32Array(lines.length + 1);
  let o = 0;
  lines.forEach((l, i) => {
    bounds[i] = o;
    o += Buffer.byteLength(l);
  });
  bounds[lines.length] = o;
  return { segment: { stream: 's', dir: '/d', name: '20260101-000000', path: '/d/20260101-000000', suffix: '', openedAtMs: 0 }, buf, bounds, count: lines.length, firstLine: 10, bufOffset: 0 };
}

const L = {
  del: '{"type":"Delivery","id":"1","timestamp":100}\n',
  bounce: '{"type":"Bounce","id":"2","timestamp":200}\n',
  recv: '{"type":"Reception","id":"3","timestamp":300}\n',
  hook: '{"type":"Delivery","id":"4","timestamp":400,"reception_protocol":"LogRecord"}\n',
  nested: '{"type":"Delivery","id":"5","timestamp":500,"meta":{"note":"\\"reception_protocol\\":\\"LogRecord\\""},"reception_protocol":"ESMTP"}\n',
  garbage: 'X-Template: not json\n',
  spaced: '{ "type" : "Bounce", "timestamp": 600 }\n',
};

test('a non-JSON line in the middle is reported with its line number and skipped; the rest is kept', () => {
  const b = batch([L.del, L.garbage, L.recv]);
  const bad: string[] = [];
  const stats = { invalid: 0, filtered: 0 };
  const keep = selectLines(b, {}, stats, (x, i, why) => bad.push(`${x.segment.name}:${x.firstLine + i + 1}: ${why}`));
  assert.deepEqual(keep, [0, 2]);
  assert.equal(stats.invalid, 1);
  assert.match(bad[0]!, /^20260101-000000:12: not JSON/);
});

test('--types keeps only the listed record types, judged from bytes or a full parse', () => {
  const keep = selectLines(batch([L.del, L.bounce, L.recv, L.spaced]), { types: new Set(['Bounce']) }, { invalid: 0, filtered: 0 }, () => assert.fail());
  assert.deepEqual(keep, [1, 3]);
});

test("KumoMTA's own LogRecord bookkeeping is dropped, and only that", () => {
  const stats = { invalid: 0, filtered: 0 };
  const keep = selectLines(batch([L.del, L.hook, L.nested]), { excludeLogRecord: true }, stats, () => assert.fail());
  assert.deepEqual(keep, [0, 2]);
  assert.equal(stats.filtered, 1);
  assert.deepEqual(selectLines(batch([L.del, L.hook]), {}, stats, () => assert.fail()), [0, 1]);
});

test('--since and --until keep records by their timestamp (since inclusive, until exclusive)', () => {
  const keep = selectLines(batch([L.del, L.bounce, L.recv, L.hook]), { sinceS: 200, untilS: 400 }, { invalid: 0, filtered: 0 }, () => assert.fail());
  assert.deepEqual(keep, [1, 2]);
});

test('one record at a time: the verdicts of filterRecord over (buf, start, end) are those of selectLines', () => {
  const lines = [L.del, L.garbage, L.bounce, L.hook, L.nested, L.spaced, L.recv];
  const b = batch(lines);
  for (const opts of [{}, { types: new Set(['Bounce', 'Delivery']) }, { excludeLogRecord: true }, { sinceS: 300, excludeLogRecord: true }]) {
    const keep = selectLines(b, opts, { invalid: 0, filtered: 0 }, () => {});
    const f = compileFilter(opts);
    const verdicts = lines.map((_, i) => filterRecord(b.buf, b.bounds[i]!, b.bounds[i + 1]!, f));
    assert.deepEqual(verdicts.flatMap((v, i) => (v === 'keep' ? [i] : [])), keep, JSON.stringify(opts));
    assert.match((verdicts[1] as { invalid: string }).invalid, /^not JSON/);
  }
});

test('selectLines takes any run of lines in a buffer, not only a decode batch', () => {
  const buf = Buffer.from(L.del + L.bounce);
  const run = { buf, bounds: [0, Buffer.byteLength(L.del), buf.length], count: 2 };
  assert.deepEqual(selectLines(run, { types: new Set(['Bounce']) }, { invalid: 0, filtered: 0 }, () => assert.fail()), [1]);
});
