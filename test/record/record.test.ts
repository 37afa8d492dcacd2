import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parseRecord, recipients, RecordParseError, isKnownType } from '../../src/record/record.js';
import { fastType, occurrences } from '../../src/record/classify.js';
import { fixturePath } from '../helpers/fixtures.js';
import { createRecordGenerator } from '../helpers/records.js';

test("every example record of KumoMTA's docs parses, keeping KumoMTA's field names", () => {
  const dir = fixturePath('docs-examples');
  // The .jsonc annotations are illustrations, not records: the docs print raw line breaks inside a
  // string and a stray brace in them. The .json and .jsonl files are the records.
  const files = readdirSync(dir).filter((n) => !n.endsWith('.jsonc'));
  assert.equal(files.length, 7);
  for (const f of files) {
    const text = readFileSync(`${dir}/${f}`, 'utf8');
    const chunks = f.endsWith('.jsonl') ? text.split('\n').filter(Boolean) : [text];
    for (const c of chunks) {
      const r = parseRecord(c);
      assert.ok(isKnownType(r.type), `${f}: ${r.type}`);
    }
  }
});

test('unknown fields are kept (the docs\' Delivery example has a stray "bogus" key)', () => {
  const r = parseRecord(readFileSync(fixturePath('docs-examples', 'example-Delivery.json'), 'utf8'));
  assert.equal(r.type, 'Delivery');
  assert.ok('bogus' in r);
  assert.equal(r.bogus, null);
  assert.equal(typeof r.response?.code, 'number');
});

test('abbreviated records with missing optional fields are tolerated', () => {
  const r = parseRecord(readFileSync(fixturePath('docs-examples', 'example-TransientFailure-partial.json'), 'utf8'));
  assert.equal(r.type, 'TransientFailure');
  assert.equal(r.id, undefined);
  assert.deepEqual(recipients(r), []);
});

test('recipient may be a string or an array of strings', () => {
  assert.deepEqual(recipients(parseRecord('{"type":"Delivery","recipient":"a@x.example"}')), ['a@x.example']);
  assert.deepEqual(recipients(parseRecord('{"type":"Delivery","recipient":["a@x.example","b@x.example"]}')), ['a@x.example', 'b@x.example']);
  assert.deepEqual(recipients(parseRecord('{"type":"Rejection","recipient":""}')), []);
});

test('a line that is not a JSON object is a RecordParseError', () => {
  assert.throws(() => parseRecord('segment header v1'), RecordParseError);
  assert.throws(() => parseRecord('[1,2]'), /not a JSON object/);
  assert.throws(() => parseRecord('{"type":"Delivery",'), /not JSON/);
});

test('a record of another writer (no type) is kept with an empty type', () => {
  assert.equal(parseRecord('{"account":"x","bytes":3}').type, '');
});

test('the fast type read agrees with a full parse on 5,000 generated records', () => {
  const g = createRecordGenerator({ seed: 7 });
  for (let i = 0; i < 5000; i++) {
    const line = Buffer.from(g.nextLine());
    assert.equal(fastType(line, 0, line.length), (JSON.parse(line.toString()) as { type: string }).type);
  }
});

test('the fast type read declines what it cannot judge safely', () => {
  const t = (s: string) => fastType(Buffer.from(s), 0, Buffer.byteLength(s));
  assert.equal(t('{"type":"Delivery","id":"x"}\n'), 'Delivery');
  assert.equal(t('{"type":"NewKind","id":"x"}\n'), 'NewKind');
  assert.equal(t('{ "type": "Delivery" }\n'), null); // not kumod's compact form
  assert.equal(t('{"id":"x","type":"Delivery"}\n'), null); // type is not first
  assert.equal(t('{"type":"Deliv\\u0065ry"}\n'), null); // an escape
  assert.equal(t('{"type":"Delivery","id":"x"\n'), null); // cut short
  assert.equal(t('template: Delivery to a@x\n'), null);
});

test('occurrences finds every match inside the range only', () => {
  const b = Buffer.from('abXab..abXab');
  assert.deepEqual(occurrences(b, Buffer.from('abXab'), 0, b.length), [0, 7]);
  assert.deepEqual(occurrences(b, Buffer.from('abXab'), 1, 7), []);
});
