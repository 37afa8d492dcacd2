import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordView } from '../../src/record/view.js';
import { fieldDef } from '../../src/record/fields.js';
import { createRecordGenerator } from '../helpers/records.js';

const FIELDS = ['meta.tenant', 'meta.campaign', 'egress_pool', 'egress_source', 'response.code', 'headers.subject', 'headers.X-Campaign-Id', 'bounce_classification', 'delivery_protocol', 'nodeid', 'session_id'];

/** Each field read from a fresh view of `line` (scanned) and from a view that was parsed first. */
function both(line: string, name: string, unparsed = true): [unknown, unknown] {
  const buf = Buffer.from(line);
  const scanned = new RecordView(buf, 0, buf.length);
  const parsed = new RecordView(buf, 0, buf.length);
  parsed.record();
  const f = fieldDef(name);
  const a = f.read(scanned);
  if (unparsed) assert.equal(scanned.parsed, false, `${name}: read without the parse`);
  return [a, f.read(parsed)];
}

test('fields read by scanning the bytes equal the parsed values on 2,000 generated records', () => {
  const gen = createRecordGenerator({ seed: 11 });
  let compared = 0;
  for (let i = 0; i < 2000; i++) {
    const line = gen.nextLine().trimEnd();
    for (const name of FIELDS) {
      const [a, b] = both(line, name);
      assert.equal(a, b, `${name} of ${line.slice(0, 80)}`);
      if (a !== undefined) compared++;
    }
  }
  assert.ok(compared > 5000, `values compared: ${compared}`);
});

test('escapes, blanks, nested values and case-folded header names scan like the parse', () => {
  const line = ' { "type" : "Bounce", "response": {"code": 550, "content": "no \\"such\\" user {x}"}, "meta": {"a": {"tenant": "inner"}, "tenant" : "t\\u00e9\\\\" , "n": 12.5, "b": true, "z": null}, "headers": {"SUBJECT": ["first", "second"], "X-Quote": "a\\"b"} } ';
  for (const name of ['meta.tenant', 'meta.n', 'meta.b', 'meta.z', 'meta.missing', 'response.code', 'headers.x-quote', 'egress_pool']) {
    const [a, b] = both(line, name);
    assert.equal(a, b, name);
  }
  assert.equal(both(line, 'meta.tenant')[0], 't\u00e9\\');
  // an array value (a header logged twice) is taken from the parse
  assert.deepEqual(both(line, 'headers.subject', false), ['first', 'first']);
});

test('a line the scan cannot follow is parsed, and one that is not JSON stays invalid', () => {
  const broken = Buffer.from('{"type":"Delivery","meta":{"tenant":"t1"');
  const v = new RecordView(broken, 0, broken.length);
  assert.equal(fieldDef('meta.tenant').read(v), undefined);
  assert.equal(v.parsed, true, 'fell back to the parse');
  assert.notEqual(v.invalid, undefined, 'and the parse says why the line is not a record');
  const escapedKey = Buffer.from('{"type":"Delivery","me\\u0074a":{"tenant":"t1"}}');
  const w = new RecordView(escapedKey, 0, escapedKey.length);
  assert.equal(fieldDef('meta.tenant').read(w), 't1', 'a key with an escape: the parse finds it');
});
