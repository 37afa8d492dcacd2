import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob, GlobError } from '../../src/hook/glob.js';

const m = (p: string, s: string, ci = false) => compileGlob(p, ci)(s);

test('a pattern without wildcards is an exact, case-sensitive match', () => {
  assert.equal(m('acme', 'acme'), true);
  assert.equal(m('acme', 'Acme'), false);
  assert.equal(m('acme', 'acme2'), false);
});

test('* matches any run, including none, and crosses dots and slashes', () => {
  assert.equal(m('*', 'anything/at.all'), true);
  assert.equal(m('acme-*', 'acme-pool'), true);
  assert.equal(m('acme-*', 'acme-'), true);
  assert.equal(m('*.gmail.com', 'a.b.gmail.com'), true);
  assert.equal(m('*.gmail.com', 'gmail.com'), false);
  assert.equal(m('*pool*', 'acme-pool-2'), true);
  assert.equal(m('a*z', 'a/b.z'), true);
  assert.equal(m('a*z', 'az'), true);
  assert.equal(m('ab*ba', 'aba'), false, 'prefix and suffix may not overlap');
  assert.equal(m('a**b*c', 'axxbyyc'), true);
});

test('? matches exactly one character, a multi-byte one too', () => {
  assert.equal(m('ip?', 'ip1'), true);
  assert.equal(m('ip?', 'ip'), false);
  assert.equal(m('ip?', 'ip12'), false);
  assert.equal(m('?', '✉'), true);
});

test('[...] sets: members, ranges, negation with ! or ^, a leading ] or a trailing - as members', () => {
  assert.equal(m('ip[1-3]', 'ip2'), true);
  assert.equal(m('ip[1-3]', 'ip4'), false);
  assert.equal(m('ip[!1-3]', 'ip4'), true);
  assert.equal(m('ip[^1-3]', 'ip1'), false);
  assert.equal(m('[]a]', ']'), true);
  assert.equal(m('[a-]', '-'), true);
  assert.equal(m('[.]x', '.x'), true);
  assert.equal(m('[.]x', 'ax'), false);
});

test('regex characters in a pattern are literal', () => {
  assert.equal(m('a.c', 'abc'), false);
  assert.equal(m('(alt1|alt2)?.x', '(alt1|alt2)a.x'), true);
  assert.equal(m('a+b$^{1}/c', 'a+b$^{1}/c'), true);
});

test('a backslash makes the next character literal', () => {
  assert.equal(m('\\*', '*'), true);
  assert.equal(m('\\*', 'x'), false);
  assert.equal(m('a\\?', 'a?'), true);
  assert.equal(m('\\[x]', '[x]'), true);
});

test('case-insensitive compile lower-cases the pattern (values come lower-cased)', () => {
  assert.equal(m('*.GMail.com', 'x.gmail.com', true), true);
  assert.equal(m('[A-C]x', 'bx', true), true);
});

test('bad patterns are refused with the pattern named', () => {
  assert.throws(() => compileGlob('ip[1-3'), (e: unknown) => e instanceof GlobError && /'ip\[1-3' has a '\[' without its '\]'/.test(e.message));
  assert.throws(() => compileGlob('[z-a]'), (e: unknown) => e instanceof GlobError && /bad set \[z-a\]/.test(e.message));
  assert.throws(() => compileGlob('ab\\'), (e: unknown) => e instanceof GlobError && /lone '\\'/.test(e.message));
  assert.throws(() => compileGlob('[!]'), GlobError);
});
