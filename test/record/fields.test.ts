import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldDef, FieldNameError, FieldSet, parseFields } from '../../src/record/fields.js';
import { RecordView } from '../../src/record/view.js';
import { createRecordGenerator } from '../helpers/records.js';
import { docsLine, line, viewAmid, viewOf } from './lines.js';

const get = (v: RecordView, name: string) => fieldDef(name).read(v);
const values = (text: string, names: string[]) => {
  const b = Buffer.from(text);
  const r = parseFields(b, 0, b.length, FieldSet.of(names));
  assert.ok('values' in r, JSON.stringify(r));
  return r.values;
};

test("every field of KumoMTA's documented Delivery record", () => {
  const v = values(docsLine('example-Delivery.json'), [
    'type', 'id', 'sender', 'recipient', 'queue', 'campaign', 'tenant', 'domain', 'routing_domain', 'site', 'egress_pool', 'egress_source',
    'bounce_classification', 'reception_protocol', 'delivery_protocol', 'recipient_domain', 'sender_domain', 'response.code',
    'response.enhanced_code', 'nodeid', 'session_id', 'provider_name', 'meta.tenant', 'headers.Subject',
  ]);
  assert.deepEqual(v, {
    type: 'Delivery', id: '1d98076abbbc11ed940250ebf67f93bd', sender: 'user@sender.example.com', recipient: 'user@recipient.example.com',
    queue: 'campaign:tenant@domain', campaign: 'campaign', tenant: 'tenant', domain: 'domain', routing_domain: undefined,
    site: 'source2->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com.', egress_pool: 'pool0', egress_source: 'source2',
    bounce_classification: 'Uncategorized', reception_protocol: 'ESMTP', delivery_protocol: 'ESMTP',
    recipient_domain: 'recipient.example.com', sender_domain: 'sender.example.com', 'response.code': '250',
    'response.enhanced_code': '2.0.0', nodeid: '557f3ad4-2c8c-11ee-976e-782d7e12e173', session_id: '9bcd689e-23d9-41b7-a015-63a1382f8b57',
    provider_name: undefined, 'meta.tenant': undefined, 'headers.Subject': undefined,
  });
});

test('the documented Reception with headers: header names ignore case, null and "" are missing', () => {
  const v = viewOf(docsLine('example-Reception-with-headers.json'));
  for (const n of ['headers.Subject', 'headers.subject', 'headers.SUBJECT']) assert.equal(get(v, n), 'test smtp xx.xx.xx.xxx--', n);
  assert.equal(get(v, 'headers.X-Other'), undefined);
  assert.equal(get(v, 'tenant'), 'default');
  assert.equal(get(v, 'domain'), 'gmail.com');
  assert.equal(get(v, 'campaign'), undefined);
  assert.equal(get(v, 'egress_pool'), undefined); // null
  assert.equal(get(v, 'delivery_protocol'), undefined); // null
  assert.equal(get(v, 'site'), undefined); // ""
  assert.equal(get(v, 'response.enhanced_code'), undefined); // null
});

test("the documented on-disk Reception line, and the pretty-printed examples as they are in the docs", () => {
  const v = viewOf(docsLine('example-Reception-line.jsonl'));
  assert.equal(get(v, 'domain'), 'example.com.org');
  assert.equal(get(v, 'tenant'), undefined);
  assert.equal(get(v, 'recipient_domain'), 'example.com.org');
  // a multi-line object (not kumod's compact form) is parsed and read the same way
  const b = Buffer.from('{\n  "type": "Reception",\n  "queue": "t@x.example", "meta": {"k": 1}\n}\n');
  const p = new RecordView(b, 0, b.length);
  assert.equal(p.isCompact(), false);
  assert.deepEqual([get(p, 'type'), get(p, 'tenant'), get(p, 'meta.k')], ['Reception', 't', '1']);
});

test('abbreviated documented records: what they lack is missing, what they have is read', () => {
  const spool = viewOf(docsLine('example-Delayed-spool-partial.json'));
  assert.equal(get(spool, 'type'), 'Delayed');
  assert.equal(get(spool, 'response.code'), '451');
  assert.equal(get(spool, 'response.enhanced_code'), '4.4.4');
  for (const n of ['queue', 'tenant', 'domain', 'recipient_domain', 'sender_domain', 'meta.x', 'headers.subject', 'egress_pool']) assert.equal(get(spool, n), undefined, n);
  const tf = viewOf(docsLine('example-TransientFailure-partial.json'));
  assert.equal(get(tf, 'response.code'), '400');
  assert.equal(get(tf, 'response.enhanced_code'), undefined);
  const delayed = viewOf(docsLine('example-Delayed-partial.json'));
  assert.equal(get(delayed, 'domain'), 'wedge.example.com');
  assert.equal(get(delayed, 'recipient_domain'), 'wedge.example.com');
});

test('generated records: every field reads what the record holds', () => {
  const g = createRecordGenerator({ seed: 7 });
  const all = ['type', 'tenant', 'campaign', 'domain', 'routing_domain', 'egress_pool', 'egress_source', 'site', 'bounce_classification',
    'reception_protocol', 'delivery_protocol', 'recipient_domain', 'sender_domain', 'response.code', 'meta.tenant', 'meta.customer_ref',
    'headers.subject', 'headers.x-campaign-id'];
  const text = (x: unknown) => (x === null || x === '' || x === undefined ? undefined : String(x));
  let arrays = 0;
  for (let i = 0; i < 3000; i++) {
    const rec = g.next() as Record<string, any>;
    const v = values(line(rec), all);
    const q = rec.queue as string;
    const internal = q === '' || q === 'webhook.log_hook';
    const rcpt = Array.isArray(rec.recipient) ? (arrays++, rec.recipient[0]) : rec.recipient;
    assert.deepEqual(v, {
      type: rec.type,
      tenant: internal ? undefined : rec.meta.tenant,
      campaign: internal ? undefined : rec.meta.campaign,
      domain: q === '' ? undefined : q === 'webhook.log_hook' ? q : rcpt.split('@')[1],
      routing_domain: undefined,
      egress_pool: text(rec.egress_pool), egress_source: text(rec.egress_source), site: text(rec.site),
      bounce_classification: rec.bounce_classification, reception_protocol: text(rec.reception_protocol), delivery_protocol: text(rec.delivery_protocol),
      recipient_domain: rcpt === '' ? undefined : rcpt.split('@')[1],
      sender_domain: rec.sender.split('@')[1],
      'response.code': String(rec.response.code),
      'meta.tenant': rec.meta.tenant, 'meta.customer_ref': rec.meta.customer_ref,
      'headers.subject': rec.headers.Subject, 'headers.x-campaign-id': rec.headers['X-Campaign-Id'],
    }, `record ${i}: ${line(rec)}`);
  }
  assert.ok(arrays > 0, 'the sample has multi-recipient records');
});

test('domains are lower-cased; other values keep their case', () => {
  const v = viewOf(line({ type: 'Bounce', queue: 'Camp:Acme@GMail.COM!Relay.Example', recipient: ['Bob@Example.NET', 'x@other.example'], sender: '<Bounce@Sender.Example>', meta: { Tenant: 'Acme' } }));
  assert.deepEqual(['campaign', 'tenant', 'domain', 'routing_domain', 'recipient_domain', 'sender_domain', 'recipient', 'meta.Tenant', 'meta.tenant'].map((n) => get(v, n)),
    ['Camp', 'Acme', 'gmail.com', 'relay.example', 'example.net', 'sender.example', 'Bob@Example.NET', 'Acme', undefined]);
});

test('meta values: numbers and booleans as text; null, "", objects and arrays are missing; keys may hold dots', () => {
  const v = viewOf(line({ type: 'Delivery', meta: { n: 42, f: 1.5, t: true, no: false, nul: null, e: '', o: { a: 1 }, a: ['x'], 'a.b': 'dotted' } }));
  assert.deepEqual(['n', 'f', 't', 'no', 'nul', 'e', 'o', 'a', 'a.b', 'missing'].map((k) => get(v, `meta.${k}`)),
    ['42', '1.5', 'true', 'false', undefined, undefined, undefined, undefined, 'dotted', undefined]);
});

test('a header logged more than once (an array) reads as its first value; an exact-case name wins', () => {
  const v = viewOf(line({ type: 'Delivery', headers: { 'X-Tag': ['one', 'two'], 'x-dup': 'lower', 'X-Dup': 'exact' } }));
  assert.equal(get(v, 'headers.x-tag'), 'one');
  assert.equal(get(v, 'headers.X-Dup'), 'exact');
  assert.equal(get(v, 'headers.x-dup'), 'lower');
});

test('tenant and campaign come from the queue name; meta.tenant is the meta key', () => {
  const v = viewOf(line({ type: 'Delivery', queue: 'qc:qt@d.example', tenant: 'own', meta: { tenant: 'mt' } }));
  assert.deepEqual([get(v, 'tenant'), get(v, 'campaign'), get(v, 'meta.tenant')], ['qt', 'qc', 'mt']);
});

const LEADING = ['id', 'sender', 'recipient', 'queue', 'site', 'tenant', 'campaign', 'domain', 'routing_domain', 'sender_domain', 'recipient_domain'];

/** The leading fields read from the bytes, and read after a parse, for one line. */
function bothWays(text: string): { bytes: (string | undefined)[]; parsed: (string | undefined)[]; parsedFirst: boolean } {
  const v = viewOf(text);
  const bytes = LEADING.map((n) => get(v, n));
  const parsedFirst = v.parsed;
  const p = viewOf(text);
  p.record();
  return { bytes, parsed: LEADING.map((n) => get(p, n)), parsedFirst };
}

test('the leading fields of compact generated records come from the bytes, equal to what the parse gives', () => {
  const g = createRecordGenerator({ seed: 9 });
  let fromBytes = 0;
  for (let i = 0; i < 3000; i++) {
    const text = g.nextLine();
    const r = bothWays(text);
    assert.deepEqual(r.bytes, r.parsed, text);
    if (!r.parsedFirst) fromBytes++;
  }
  // only records with a recipient array need the parse for recipient and recipient_domain
  assert.ok(fromBytes > 2900, `${fromBytes} of 3000 read without a parse`);
  for (const name of ['example-Delivery.json', 'example-Reception.json', 'example-Reception-line.jsonl', 'example-Delayed-partial.json']) {
    const r = bothWays(docsLine(name));
    assert.deepEqual(r.bytes, r.parsed, name);
    // an abbreviated record lacks leading fields: absence is only sure after a parse
    assert.equal(r.parsedFirst, name === 'example-Delayed-partial.json', name);
  }
});

test('leading fields the bytes cannot be sure of are parsed: escapes, a nested value first, another order, an array', () => {
  const cases = [
    line({ type: 'Delivery', sender: 'a\\"b@x.example', queue: 'c:t@d.example' }), // escaped quote and backslash
    line({ type: 'Delivery', sender: 'x,"queue":"evil@x.example', queue: 'good@y.example' }), // the key inside a value
    line({ type: 'Delivery', meta: { queue: 'evil@x.example' }, queue: 'good@y.example' }), // a nested value first
    line({ type: 'Delivery', site: 'a{b', queue: 'good@y.example' }), // a brace inside a value
    line({ type: 'Delivery', recipient: ['A@One.example', 'b@two.example'], queue: 't@d.example' }),
    line({ type: 'Delivery', queue: 'caf\u00e9@d.example' }),
    line({ type: 'Delivery', queue: 'café@d.example', sender: '✉@ü.example' }), // raw UTF-8 is read from the bytes
    '{"type":"Delivery", "queue": "spaced@d.example"}\n',
    '{ "type": "Delivery", "queue": "t@d.example" }\n',
  ];
  for (const text of cases) {
    const r = bothWays(text);
    assert.deepEqual(r.bytes, r.parsed, text);
  }
  assert.equal(get(viewOf(cases[2]!), 'tenant'), 'good');
  assert.equal(get(viewOf(cases[1]!), 'tenant'), 'good');
  assert.equal(get(viewOf(cases[6]!), 'tenant'), 'café');
});

test('a line that is not JSON is reported with the reason, not thrown', () => {
  const b = Buffer.from('X-Template: not json\n');
  const r = parseFields(b, 0, b.length, FieldSet.of(['tenant']));
  assert.ok('invalid' in r);
  assert.match(r.invalid, /^not JSON/);
  const arr = Buffer.from('[1,2]\n');
  assert.deepEqual(parseFields(arr, 0, arr.length, FieldSet.of(['tenant'])), { invalid: 'not a JSON object' });
});

test('the type of a compact line comes from its bytes: no parse, even when the rest is not JSON', () => {
  const v = viewAmid('{"type":"Bounce","id":"1", this is not JSON}\n');
  assert.equal(get(v, 'type'), 'Bounce');
  assert.equal(v.parsed, false);
  assert.equal(v.invalid, undefined);
  const b = Buffer.from('{"type":"Bounce", not json}\n');
  assert.deepEqual(parseFields(b, 0, b.length, FieldSet.of(['type'])), { values: { type: 'Bounce' } });
  // asking for a parsed field is what makes it parse, and fail
  assert.equal(get(v, 'tenant'), undefined);
  assert.equal(v.parsed, true);
  assert.match(v.invalid!, /^not JSON/);
});

test('a view reads only its own bytes of a shared buffer', () => {
  const v = viewAmid(line({ type: 'Delivery', queue: 'a@b.example' }));
  assert.deepEqual([get(v, 'type'), get(v, 'tenant'), v.isLogRecord()], ['Delivery', 'a', false]);
});

test('FieldSet: only type needs no parse; unions dedupe; unknown names are refused with the known ones listed', () => {
  assert.equal(FieldSet.of(['type']).needsParse, false);
  assert.equal(FieldSet.EMPTY.needsParse, false);
  assert.equal(FieldSet.of(['type', 'meta.x']).needsParse, true);
  assert.deepEqual(FieldSet.union([FieldSet.of(['type', 'tenant']), FieldSet.of(['tenant', 'headers.Subject'])]).names, ['type', 'tenant', 'headers.Subject']);
  assert.throws(() => FieldSet.of(['tennant']), (e: unknown) => e instanceof FieldNameError && /unknown field 'tennant' \(known: type, tenant, .*meta\.<key>, headers\.<name>\)/.test(e.message));
  assert.throws(() => fieldDef('meta.'), FieldNameError);
  assert.throws(() => fieldDef('headers.'), FieldNameError);
});
