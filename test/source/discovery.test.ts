import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyName, globToRegExp } from '../../src/source/segment-name.js';
import { listSegments, resolveTargets } from '../../src/source/discovery.js';
import { makeTempDir } from '../helpers/tmp.js';
import { InputError } from '../../src/util/errors.js';

test('kumod segment names of every era are recognised with their suffix and open time', () => {
  const cases: [string, string, string][] = [
    ['20250912-110801.440526026', '', '2025-09-12T11:08:01.440Z'],
    ['20250912-110901.500', '', '2025-09-12T11:09:01.500Z'],
    ['20250912-110901.123456', '', '2025-09-12T11:09:01.123Z'],
    ['20230311-033705', '', '2023-03-11T03:37:05.000Z'],
    ['20230306-022811.123456789_recv', '_recv', '2023-03-06T02:28:11.123Z'],
  ];
  for (const [name, suffix, iso] of cases) {
    const v = classifyName(name);
    assert.equal(v.kind, 'segment', name);
    if (v.kind !== 'segment') continue;
    assert.equal(v.segment.suffix, suffix);
    assert.equal(new Date(v.segment.openedAtMs).toISOString(), iso);
  }
});

test('dot-files, temp files, foreign names and impossible dates are ignored', () => {
  assert.deepEqual(classifyName('.loghook-checkpoint'), { kind: 'ignored', why: 'dotfile' });
  assert.deepEqual(classifyName('20250912-110801.440526026.tmp'), { kind: 'ignored', why: 'temp' });
  assert.deepEqual(classifyName('20250912-110801~'), { kind: 'ignored', why: 'temp' });
  assert.deepEqual(classifyName('README'), { kind: 'ignored', why: 'foreign' });
  assert.deepEqual(classifyName('2025-09-12.log'), { kind: 'ignored', why: 'foreign' });
  assert.deepEqual(classifyName('20251312-110801'), { kind: 'ignored', why: 'foreign' });
});

test('--pattern globs match whole names with *, ? and classes', () => {
  assert.ok(globToRegExp('*_recv').test('20250912-110801.440526026_recv'));
  assert.ok(!globToRegExp('*_recv').test('20250912-110801.440526026_recv2'));
  assert.ok(globToRegExp('2025091?-*').test('20250912-110801'));
  assert.ok(globToRegExp('[!x]*').test('20250912-110801'));
  assert.ok(!globToRegExp('2024*').test('20250912-110801'));
  assert.ok(globToRegExp('a.b').test('a.b') && !globToRegExp('a.b').test('axb'));
});

test('listing groups segments into streams by directory and suffix, in name order, and counts what it ignores', async () => {
  const a = makeTempDir();
  const b = makeTempDir();
  try {
    for (const n of ['20250912-110901.500', '20250912-110801.440526026', '20250912-110801.440526026_recv', '.hidden', 'notes.txt', '20250912-110801.tmp']) {
      writeFileSync(join(a.path, n), '');
    }
    mkdirSync(join(a.path, '20250101-000000')); // a directory with a segment's name is not a segment
    writeFileSync(join(b.path, '20230311-033705'), '');
    const targets = await resolveTargets([a.path, b.path]);
    const l = await listSegments(targets);
    const keys = [...l.streams.keys()];
    assert.equal(keys.length, 3);
    const main = l.streams.get(`${targets[0]!.path}/*`)!;
    assert.deepEqual(main.map((s) => s.name), ['20250912-110801.440526026', '20250912-110901.500']);
    assert.deepEqual(l.streams.get(`${targets[0]!.path}/*_recv`)!.map((s) => s.name), ['20250912-110801.440526026_recv']);
    assert.deepEqual(l.ignored, { dotfile: 1, temp: 1, foreign: 1, pattern: 0 });
    const only = await listSegments(targets, globToRegExp('*_recv'));
    assert.deepEqual([...only.streams.values()].flat().map((s) => s.name), ['20250912-110801.440526026_recv']);
    assert.equal(only.ignored.pattern, 3);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('a missing directory on the command line is an input error naming it', async () => {
  await assert.rejects(resolveTargets(['/nonexistent/kumo']), (e: unknown) => e instanceof InputError && /\/nonexistent\/kumo: does not exist/.test(e.message));
});

test('a symlinked segment is listed; the real path of a directory names its streams', async () => {
  const d = makeTempDir();
  try {
    mkdirSync(join(d.path, 'real'));
    writeFileSync(join(d.path, 'real', '20250912-110801'), '');
    symlinkSync(join(d.path, 'real'), join(d.path, 'link'));
    const t = await resolveTargets([join(d.path, 'link')]);
    assert.equal(t[0]!.path.endsWith('/real'), true);
    const l = await listSegments(t);
    assert.equal([...l.streams.values()].flat().length, 1);
  } finally {
    d.cleanup();
  }
});
