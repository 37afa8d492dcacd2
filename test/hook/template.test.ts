import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, type TemplateEncoding } from '../../src/hook/template.js';
import { UsageError } from '../../src/util/errors.js';
import { createRecordGenerator } from '../helpers/records.js';
import { docsLine, line, viewOf } from '../record/lines.js';

const render = (text: string, rec: Record<string, unknown> | string, encode: TemplateEncoding = 'url') =>
  compileTemplate(text, { encode }).render(viewOf(typeof rec === 'string' ? rec : line(rec)));

test('a URL template over tenant on generated records gives each tenant its own path', () => {
  const t = compileTemplate('https://hooks.example.com/{tenant}/kumo', { encode: 'url' });
  assert.deepEqual(t.fields, ['tenant']);
  const g = createRecordGenerator({ seed: 5 });
  for (let i = 0; i < 500; i++) {
    const r = g.next() as Record<string, any>;
    const out = t.render(viewOf(line(r)));
    if (r.queue === '' || r.queue === 'webhook.log_hook') assert.deepEqual(out, { missing: 'tenant' });
    else assert.equal(out, `https://hooks.example.com/${r.meta.tenant}/kumo`);
  }
});

test('the documented Delivery record fills meta, queue parts and response fields', () => {
  const d = docsLine('example-Delivery.json');
  assert.equal(render('https://h.example/{campaign}/{tenant}/{domain}?code={response.code}&pool={egress_pool}', d), 'https://h.example/campaign/tenant/domain?code=250&pool=pool0');
  assert.equal(render('kumo.{type}.{tenant}', d, 'subject'), 'kumo.Delivery.tenant');
});

test('url-path encoding keeps a value inside its segment', () => {
  const rec = { type: 'Delivery', meta: { customer_id: 'a/b?c#d e%f' } };
  assert.equal(render('https://h.example/c/{meta.customer_id}/kumo', rec), 'https://h.example/c/a%2Fb%3Fc%23d%20e%25f/kumo');
  assert.equal(new URL(render('https://h.example/c/{meta.customer_id}/kumo', rec) as string).pathname.split('/').length, 4);
});

test('a value "." or ".." in a URL path counts as missing: URL parsers would climb out of the segment', () => {
  for (const v of ['.', '..']) assert.deepEqual(render('https://h.example/c/{meta.customer_id}/kumo', { type: 'Delivery', meta: { customer_id: v } }), { missing: 'meta.customer_id' });
  assert.equal(render('https://h.example/c?id={meta.customer_id}', { type: 'Delivery', meta: { customer_id: '..' } }), 'https://h.example/c?id=..');
  assert.equal(render('https://h.example/c/{meta.customer_id}', { type: 'Delivery', meta: { customer_id: '...' } }), 'https://h.example/c/...');
});

test("url-query encoding escapes '&', '=' and '+' so a value cannot add parameters", () => {
  const out = render('https://h.example/k?t={tenant}&x=1', { type: 'Delivery', queue: 'a&b=c+d@x.example' });
  assert.equal(out, 'https://h.example/k?t=a%26b%3Dc%2Bd&x=1');
  assert.equal(new URL(out as string).searchParams.get('t'), 'a&b=c+d');
  assert.equal(render('{tenant}', { type: 'Delivery', queue: 'a b@x.example' }, 'url-query'), 'a%20b');
  assert.equal(render('{tenant}', { type: 'Delivery', queue: '..@x.example' }, 'url-query'), '..');
});

test("subject encoding: '.', '*', '>', '#', whitespace and control characters become '_'", () => {
  const rec = { type: 'Bounce', queue: 'a.b*c>d#e f\tg\x01h@x.example', meta: { ok: 'plain-ünï' } };
  assert.equal(render('kumo.{type}.{tenant}', rec, 'subject'), 'kumo.Bounce.a_b_c_d_e_f_g_h');
  assert.equal(render('kumo.{meta.ok}', rec, 'subject'), 'kumo.plain-ünï');
});

test("'none' puts the value in as it is", () => {
  assert.equal(render('{tenant}/{domain}', { type: 'Delivery', queue: 'a/b@x.example' }, 'none'), 'a/b/x.example');
});

test('a field without a value is reported missing, by name', () => {
  assert.deepEqual(render('https://h.example/{tenant}/{meta.customer_id}', { type: 'Delivery', queue: 'acme@x.example', meta: {} }), { missing: 'meta.customer_id' });
  assert.deepEqual(render('https://h.example/{tenant}', { type: 'Rejection', queue: '' }), { missing: 'tenant' });
  assert.deepEqual(render('kumo.{egress_pool}', docsLine('example-Reception.json'), 'subject'), { missing: 'egress_pool' });
});

test('{{ and }} are literal braces; a template without fields renders its text', () => {
  const t = compileTemplate('https://h.example/{{x}}/{type}', { encode: 'url' });
  assert.deepEqual(t.fields, ['type']);
  assert.equal(t.render(viewOf(line({ type: 'Bounce' }))), 'https://h.example/{x}/Bounce');
  const fixed = compileTemplate('https://h.example/fixed', { encode: 'url' });
  assert.equal(fixed.dynamic, false);
  assert.equal(fixed.render(viewOf(line({ type: 'Bounce' }))), 'https://h.example/fixed');
});

test('a template over type alone renders without parsing the record', () => {
  const v = viewOf('{"type":"Bounce", not json}\n');
  assert.equal(compileTemplate('kumo.{type}', { encode: 'subject' }).render(v), 'kumo.Bounce');
  assert.equal(v.parsed, false);
});

test('syntax errors name the template and the column: unclosed brace, stray }, empty name, unknown field', () => {
  const err = (text: string, re: RegExp) =>
    assert.throws(() => compileTemplate(text, { encode: 'url', where: 'hook "h": url' }), (e: unknown) => e instanceof UsageError && re.test(e.message), text);
  err('https://h.example/{tenant', /^hook "h": url: "https:\/\/h.example\/\{tenant", column 19: a '\{' without its '\}'/);
  err('https://h.example/tenant}', /column 25: a '\}' without its '\{'/);
  err('https://h.example/{}', /column 19: an empty field name \{\}/);
  err('https://h.example/{ }', /column 19: an empty field name/);
  err('https://h.example/{tennant}', /column 19: unknown field 'tennant' \(known: type, /);
  err('https://h.example/{a{b}', /column 19: a '\{' inside a field name/);
});
