// The small pieces of config validation: templates, did-you-mean, URL masking, printing units.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemplate, templateFields } from '../../src/config/template-syntax.js';
import { didYouMean, levenshtein } from '../../src/config/problems.js';
import { maskUrl } from '../../src/config/mask.js';
import { duration, size } from '../../src/config/print.js';
import { resolveSecrets } from '../../src/config/secrets.js';

test('a template is literal text and {field} placeholders; {{ and }} are literal braces', () => {
  assert.deepEqual(parseTemplate('kumo.{type}.{meta.region}'), {
    ok: true,
    parts: [{ text: 'kumo.' }, { field: 'type' }, { text: '.' }, { field: 'meta.region' }],
    fields: ['type', 'meta.region'],
  });
  assert.deepEqual(parseTemplate('a{{b}}c'), { ok: true, parts: [{ text: 'a{b}c' }], fields: [] });
  assert.deepEqual(templateFields('https://h/{tenant}/{tenant}/{headers.X-Tenant}'), ['tenant', 'headers.X-Tenant']);
  for (const [t, why] of [
    ['{tenant', /never closed/],
    ['{a{b}', /never closed/],
    ['x}', /closes no/],
    ['{}', /empty placeholder/],
    ['{ tenant }', /spaces/],
    ['{recipient}', /unknown field 'recipient'/],
    ['{headers.}', /needs a header name/],
  ] as const) {
    const r = parseTemplate(t);
    assert.ok(!r.ok && why.test(r.error), `${t}: ${JSON.stringify(r)}`);
  }
});

test('did-you-mean suggests the nearest key within a few edits, and nothing for an unrelated word', () => {
  assert.equal(levenshtein('max_batch_latancy', 'max_batch_latency'), 1);
  assert.equal(levenshtein('', 'abc'), 3);
  assert.equal(didYouMean('batch_sise', ['batch_size', 'max_age']), ' (did you mean batch_size?)');
  assert.equal(didYouMean('colour', ['batch_size', 'max_age']), '');
});

test('a shown URL keeps its shape but not its userinfo or query values', () => {
  assert.equal(maskUrl('https://user:pw@h.example:8443/x/{tenant}?key=abc&t=1#f'), 'https://***@h.example:8443/x/{tenant}?key=***&t=***#f');
  assert.equal(maskUrl('https://h.example/x'), 'https://h.example/x');
  assert.equal(maskUrl('user:pw@h:4222'), '***@h:4222');
});

test('check prints durations and sizes in the largest unit that is exact', () => {
  assert.deepEqual([duration(1_200_000), duration(1500), duration(7 * 86_400_000), duration(0)], ['20m', '1500ms', '7d', '0ms']);
  assert.deepEqual([size(2 * 1024 ** 3), size(5_000_000), size(100)], ['2GiB', '5MB', '100B']);
});

test('secrets substitute inside longer strings; $${ is a literal ${; a bad reference names itself', () => {
  const r = resolveSecrets({ a: 'Bearer ${env:T}', b: ['$${env:T}'], c: '${vault:x}', d: '${env:T' }, { T: 'tok' }, '/');
  assert.deepEqual(r.value, { a: 'Bearer tok', b: ['${env:T}'], c: '${vault:x}', d: '${env:T' });
  assert.deepEqual([...r.secrets], ['tok']);
  assert.deepEqual(r.problems.map((p) => p.path), [['c'], ['d']]);
  assert.match(r.problems[0]!.message, /"\$\{vault:x\}" is not a substitution/);
  assert.match(r.problems[1]!.message, /unclosed/);
});
