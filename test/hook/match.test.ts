import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileMatch } from '../../src/hook/match.js';
import { UsageError } from '../../src/util/errors.js';
import { createRecordGenerator } from '../helpers/records.js';
import { docsLine, line, viewOf } from '../record/lines.js';

const records = (() => {
  const g = createRecordGenerator({ seed: 3 });
  return Array.from({ length: 4000 }, () => g.next() as Record<string, any>);
})();
const lines = records.map(line);
const tenantOf = (r: Record<string, any>) => (r.queue === '' || r.queue === 'webhook.log_hook' ? undefined : r.meta.tenant);
const rcptOf = (r: Record<string, any>) => (Array.isArray(r.recipient) ? r.recipient[0] : r.recipient) as string;
const selected = (table: Record<string, unknown>) => {
  const m = compileMatch(table);
  return lines.flatMap((l, i) => (m.test(viewOf(l)) ? [i] : []));
};
const expected = (pred: (r: Record<string, any>) => boolean) => records.flatMap((r, i) => (pred(r) ? [i] : []));

const cases: [string, Record<string, unknown>, (r: Record<string, any>) => boolean][] = [
  ['type', { type: 'Bounce' }, (r) => r.type === 'Bounce'],
  ['type by glob', { type: '*Failure' }, (r) => r.type === 'TransientFailure'],
  ['tenant', { tenant: 'acme' }, (r) => tenantOf(r) === 'acme'],
  ['campaign', { campaign: 'promo-*' }, (r) => tenantOf(r) !== undefined && r.meta.campaign.startsWith('promo-')],
  ['domain', { domain: '*.com' }, (r) => r.queue !== '' && r.queue !== 'webhook.log_hook' && rcptOf(r).endsWith('.com')],
  ['egress_pool', { egress_pool: 'acme-pool' }, (r) => r.egress_pool === 'acme-pool'],
  ['egress_source', { egress_source: '*-ip1' }, (r) => typeof r.egress_source === 'string'],
  ['site', { site: 'acme-ip[1-3]->*' }, (r) => /^acme-ip[1-3]->/.test(r.site)],
  ['bounce_classification (a list)', { bounce_classification: ['InvalidRecipient', 'QuotaIssues'] }, (r) => ['InvalidRecipient', 'QuotaIssues'].includes(r.bounce_classification)],
  ['reception_protocol', { reception_protocol: 'HTTP' }, (r) => r.reception_protocol === 'HTTP'],
  ['delivery_protocol', { delivery_protocol: 'ESMTP' }, (r) => r.delivery_protocol === 'ESMTP'],
  ['recipient_domain ignores case', { recipient_domain: 'GMAIL.com' }, (r) => rcptOf(r).endsWith('@gmail.com')],
  ['sender_domain', { sender_domain: 'hooli.*' }, (r) => r.sender.endsWith('@hooli.mail.example.com')],
  ['response.code class', { 'response.code': '4xx' }, (r) => r.response.code >= 400 && r.response.code < 500],
  ['response.code range', { 'response.code': '550-551' }, (r) => r.response.code === 550 || r.response.code === 551],
  ['response.code negated', { 'response.code': '!2xx' }, (r) => r.response.code >= 300],
  ['meta present', { 'meta.customer_ref': '*' }, (r) => 'customer_ref' in r.meta],
  ['meta absent', { 'meta.customer_ref': '!*' }, (r) => !('customer_ref' in r.meta)],
  ['meta by glob', { 'meta.customer_ref': 'cr-1??' }, (r) => /^cr-1..$/.test(r.meta.customer_ref ?? '')],
  ['header name ignores case', { 'headers.SUBJECT': '*digest*' }, (r) => r.headers.Subject === 'Your weekly digest'],
  ['several keys must all hold', { type: ['Bounce', 'TransientFailure'], tenant: '!acme', 'response.code': '!5xx' },
    (r) => ['Bounce', 'TransientFailure'].includes(r.type) && tenantOf(r) !== 'acme' && r.response.code < 500],
  ['a list of plain and ! patterns', { domain: ['*.com', '!gmail.com'] }, (r) => tenantOf(r) !== undefined && rcptOf(r).endsWith('.com') && !rcptOf(r).endsWith('@gmail.com')],
];

for (const [what, table, pred] of cases) {
  test(`match on generated records: ${what}`, () => {
    const want = expected(pred);
    assert.ok(want.length > 0 && want.length < records.length, `the sample must hold both kinds (${want.length})`);
    assert.deepEqual(selected(table), want);
  });
}

test('a missing field matches no plain pattern and every ! pattern', () => {
  const reception = viewOf(docsLine('example-Reception.json')); // egress_pool null, site "", meta {}
  assert.equal(compileMatch({ egress_pool: 'pool*' }).test(reception), false);
  assert.equal(compileMatch({ egress_pool: '*' }).test(reception), false);
  assert.equal(compileMatch({ egress_pool: '!pool0' }).test(reception), true);
  assert.equal(compileMatch({ egress_pool: '!*' }).test(reception), true);
  assert.equal(compileMatch({ site: '!*' }).test(reception), true);
  assert.equal(compileMatch({ 'meta.customer_id': ['!a', '!b'] }).test(reception), true);
  assert.equal(compileMatch({ 'meta.customer_id': ['a', '!b'] }).test(reception), false);
  const delivery = viewOf(docsLine('example-Delivery.json'));
  assert.equal(compileMatch({ egress_pool: '!pool0' }).test(delivery), false);
  assert.equal(compileMatch({ egress_pool: ['!pool1', '!pool2'] }).test(delivery), true);
});

test('response.code: a code, a class, a range, negated, a TOML integer; a record without a code matches none', () => {
  const bounce = viewOf(line({ type: 'Bounce', response: { code: 554 } }));
  const t = (p: unknown) => compileMatch({ 'response.code': p }).test(bounce);
  assert.deepEqual([t('554'), t(554), t('550'), t('5xx'), t('55x'), t('5XX'), t('4xx'), t('550-559'), t('554-554'), t('555-600'), t('!5xx'), t('!4xx'), t(['421', '5xx'])],
    [true, true, false, true, true, true, false, true, true, false, false, true, true]);
  const none = viewOf(line({ type: 'Bounce', response: {} }));
  assert.equal(compileMatch({ 'response.code': '5xx' }).test(none), false);
  assert.equal(compileMatch({ 'response.code': '!5xx' }).test(none), true);
});

test('header values are case-sensitive while header names are not', () => {
  const v = viewOf(docsLine('example-Reception-with-headers.json'));
  assert.equal(compileMatch({ 'headers.subject': 'test smtp*' }).test(v), true);
  assert.equal(compileMatch({ 'headers.subject': 'TEST SMTP*' }).test(v), false);
});

test('numbers and booleans in the table are matched as their text', () => {
  const v = viewOf(line({ type: 'Delivery', meta: { opt_in: true, tier: 3 } }));
  assert.equal(compileMatch({ 'meta.opt_in': true, 'meta.tier': 3 }).test(v), true);
  assert.equal(compileMatch({ 'meta.opt_in': false }).test(v), false);
});

test('\\! at the start is a literal !', () => {
  const v = viewOf(line({ type: 'Delivery', meta: { tag: '!important' } }));
  assert.equal(compileMatch({ 'meta.tag': '\\!important' }).test(v), true);
  assert.equal(compileMatch({ 'meta.tag': '\\!other' }).test(v), false);
  const plain = viewOf(line({ type: 'Delivery', meta: { tag: 'important' } }));
  assert.equal(compileMatch({ 'meta.tag': '\\!important' }).test(plain), false);
  assert.equal(compileMatch({ 'meta.tag': '!important' }).test(plain), false);
});

test('a table on type alone never parses the record, and type keys are judged first', () => {
  const v = viewOf('{"type":"Bounce","id":"1", not json}\n');
  assert.equal(compileMatch({ type: ['Bounce', 'Delivery'] }).test(v), true);
  assert.equal(v.parsed, false);
  const d = viewOf(line({ type: 'Delivery', queue: 'acme@x.example' }));
  assert.equal(compileMatch({ tenant: 'acme', type: 'Bounce' }).test(d), false);
  assert.equal(d.parsed, false);
});

test('a line that is not JSON matches no table that reads parsed fields, not even a ! one', () => {
  for (const table of [{ tenant: '!acme' }, { 'meta.x': '!*' }, { type: 'Bounce', egress_pool: '!*' }]) {
    const v = viewOf('{"type":"Bounce", not json}\n');
    assert.equal(compileMatch(table).test(v), false, JSON.stringify(table));
    assert.match(v.invalid!, /not JSON/);
  }
});

test('an absent or empty table holds for every record', () => {
  const v = viewOf(docsLine('example-Delivery.json'));
  assert.equal(compileMatch(undefined).test(v), true);
  assert.equal(compileMatch({}).test(v), true);
  assert.equal(compileMatch({}).needs.names.length, 0);
});

test('needs lists the fields the table reads', () => {
  assert.deepEqual([...compileMatch({ 'meta.a': 'x', type: 'Bounce', tenant: 't' }).needs.names].sort(), ['meta.a', 'tenant', 'type']);
});

test('compile errors name where, the key and the bad value', () => {
  const err = (table: Record<string, unknown>, re: RegExp) =>
    assert.throws(() => compileMatch(table, 'hook "h": match'), (e: unknown) => e instanceof UsageError && re.test(e.message), JSON.stringify(table));
  err({ tennant: 'acme' }, /^hook "h": match: key "tennant": unknown field 'tennant' \(known: /);
  err({ domain: 'ip[1-3' }, /^hook "h": match: "domain" = "ip\[1-3": 'ip\[1-3' has a '\[' without its '\]'/);
  err({ 'response.code': '5**' }, /"response.code" = "5\*\*": not a response code: write a code \(550\), a class \(5xx\) or a range \(550-559\)/);
  err({ 'response.code': '559-550' }, /"response.code" = "559-550": the range 559-550 goes downwards/);
  err({ tenant: [] }, /"tenant" = \[\]: an empty list matches nothing/);
  err({ tenant: { a: 1 } }, /"tenant" = \{"a":1\}: a pattern is a string/);
  err({ tenant: '!' }, /"tenant" = "!": '!' alone negates nothing/);
});
