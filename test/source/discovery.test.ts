import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
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
  assert.deepEqual(classifyName('20250912-110801.part'), { kind: 'ignored', why: 'temp' });
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
    assert.deepEqual(l.ignored, { dotfile: 1, temp: 1, copy: 0, foreign: 1, pattern: 0, duplicate: 0 });
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

test('names that look like copies of a segment are ignored as copies, whatever the case', () => {
  for (const n of ['20250912-110801.zst', '20250912-110801.440526026.bak', '20250912-110801.OLD', '20250912-110801~', '20250912-110801.orig',
    '20250912-110801_recv.gz', '20250912-110801.bak.1', '20250912-110801 (copy)', '20250912-110801.~1~', '20250912-110801.dpkg-old']) {
    assert.deepEqual(classifyName(n), { kind: 'ignored', why: 'copy' }, n);
  }
  // operator suffixes stay segments
  for (const n of ['20250912-110801_recv', '20250912-110801.440526026_backup', '20250912-110801-old']) assert.equal(classifyName(n).kind, 'segment', n);
});

test('a listing ignores copies with a note each, counted', async () => {
  const d = makeTempDir();
  try {
    for (const n of ['20250912-110801', '20250912-110801.zst', '20250912-110801.bak', '20250912-110801~']) writeFileSync(join(d.path, n), '');
    const l = await listSegments(await resolveTargets([d.path]));
    assert.deepEqual([...l.streams.values()].flat().map((s) => s.name), ['20250912-110801']);
    assert.equal(l.ignored.copy, 3);
    assert.deepEqual(l.notes.map((n) => n.path).sort(), ['20250912-110801.zst', '20250912-110801.bak', '20250912-110801~'].map((n) => join(d.path, n)).sort());
    assert.match(l.notes[0]!.note, /looks like a copy of a segment .*: ignored/);
  } finally {
    d.cleanup();
  }
});

test('a symlink to a segment of the same directory is a second name: listed once, under the real name', async () => {
  const d = makeTempDir();
  try {
    writeFileSync(join(d.path, '20250912-110801'), 'x');
    symlinkSync('20250912-110801', join(d.path, '20250912-110900'));
    symlinkSync(join(d.path, '20250912-110801'), join(d.path, '20250101-000000_other'));
    const l = await listSegments(await resolveTargets([d.path]));
    assert.deepEqual([...l.streams.values()].flat().map((s) => s.name), ['20250912-110801']);
    assert.equal(l.ignored.duplicate, 2);
    assert.deepEqual(l.notes.map((n) => n.note), [`leads to the same file as ${join(d.path, '20250912-110801')}: read once, as that`, `leads to the same file as ${join(d.path, '20250912-110801')}: read once, as that`]);
  } finally {
    d.cleanup();
  }
});

test('a log dir made of symlinks to files elsewhere reads each target once, under its link name', async () => {
  const d = makeTempDir();
  try {
    mkdirSync(join(d.path, 'store'));
    mkdirSync(join(d.path, 'logs'));
    writeFileSync(join(d.path, 'store', 'a'), 'a');
    writeFileSync(join(d.path, 'store', 'b'), 'b');
    symlinkSync(join(d.path, 'store', 'a'), join(d.path, 'logs', '20250912-110801'));
    symlinkSync(join(d.path, 'store', 'b'), join(d.path, 'logs', '20250912-110901'));
    symlinkSync(join(d.path, 'store', 'b'), join(d.path, 'logs', '20250912-111001')); // a second link to b
    const l = await listSegments(await resolveTargets([join(d.path, 'logs')]));
    assert.deepEqual([...l.streams.values()].flat().map((s) => s.name), ['20250912-110801', '20250912-110901']);
    assert.deepEqual(l.notes.map((n) => n.path), [join(d.path, 'logs', '20250912-111001')]);
  } finally {
    d.cleanup();
  }
});

test('a directory named twice, or a segment named inside a directory also named, is listed once', async () => {
  const d = makeTempDir();
  try {
    writeFileSync(join(d.path, '20250912-110801'), 'x');
    copyFileSync(join(d.path, '20250912-110801'), join(d.path, '20250912-110901')); // a real copy is another file
    const twice = await listSegments(await resolveTargets([d.path, d.path]));
    assert.deepEqual([...twice.streams.values()].flat().map((s) => s.name), ['20250912-110801', '20250912-110901']);
    const inside = await listSegments(await resolveTargets([d.path, join(d.path, '20250912-110801')]));
    assert.deepEqual([...inside.streams.values()].flat().map((s) => s.path), [join(d.path, '20250912-110801'), join(d.path, '20250912-110901')]);
    assert.equal(inside.ignored.duplicate, 1);
  } finally {
    d.cleanup();
  }
});
