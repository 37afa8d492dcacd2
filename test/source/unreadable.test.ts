// Segments that cannot be read are never checkpointed past (issue 10 §1). EACCES needs a user
// other than root (test/integration/unreadable.test.ts runs the CLI as nobody); here a symlink
// loop stands in for it: open() fails with ELOOP whoever runs the test, and renaming a real
// segment over the link makes it readable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeSegment } from '../helpers/segment-writer.js';
import { recordLines as lines } from '../helpers/records.js';
import { makeTempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/child.js';
import { readOnce, linesOf, memoryLogger, type SeenLine } from './collect.js';
import { resolveTargets } from '../../src/source/discovery.js';
import { Tailer } from '../../src/source/tailer.js';
import { UnreadableInputs, UNREADABLE_WARN_MS } from '../../src/source/unreadable.js';

const A = '20260101-000000.000000001';
const B = '20260101-000100.000000001';
const C = '20260101-000200.000000001';

/** A link to itself: listed like a segment, but every open fails (ELOOP), even for root. */
function unreadable(dir: string, name: string): void {
  symlinkSync(name, join(dir, name));
}

/** Makes `name` readable: a real segment of `input` renamed over the link. */
function makeReadable(dir: string, name: string, input: string[]): void {
  mkdirSync(join(dir, '.staging'), { recursive: true });
  writeSegment(join(dir, '.staging'), name, input);
  renameSync(join(dir, '.staging', name), join(dir, name));
}

test('an unreadable segment is not checkpointed past: it stays open at line 0 while newer segments flow', async () => {
  const d = makeTempDir();
  try {
    writeSegment(d.path, A, lines(3, 1));
    unreadable(d.path, B);
    writeSegment(d.path, C, lines(4, 3));
    const { seen, log, tailer } = await readOnce([d.path]);
    assert.deepEqual([...new Set(seen.map((s) => s.segment))], [A, C]);
    const cp = JSON.parse([...tailer.checkpoints().values()][0]!);
    assert.deepEqual(cp, { v: 1, done_through: A, open: { [B]: 0 }, done: [C] });
    assert.equal(tailer.counters.segmentsUnreadable, 1);
    const u = tailer.unreadable();
    assert.equal(u.length, 1);
    assert.equal(u[0]!.path, join(d.path, B));
    assert.equal(u[0]!.kind, 'segment');
    assert.match(u[0]!.error, /ELOOP/);
    assert.ok(log.entries.some((e) => e.level === 'error' && e.msg.startsWith(`${join(d.path, B)}: cannot be read: `) && /checkpoint stays at it \(0 lines read so far\)/.test(e.msg)));
  } finally {
    d.cleanup();
  }
});

test('a later run reads a segment that became readable from its checkpoint line, and nothing else again', async () => {
  const d = makeTempDir();
  try {
    writeSegment(d.path, A, lines(3, 1));
    unreadable(d.path, B);
    writeSegment(d.path, C, lines(4, 3));
    const first = await readOnce([d.path]);
    const stream = [...first.tailer.checkpoints().keys()][0]!;
    // as if 2 of its lines had been read before a read failed part-way
    const cp = new Map([[stream, JSON.stringify({ v: 1, done_through: A, open: { [B]: 2 }, done: [C] })]]);
    const again = await readOnce([d.path], { checkpoints: cp });
    assert.equal(again.seen.length, 0, 'still unreadable: nothing is read');
    assert.deepEqual(JSON.parse(again.tailer.checkpoints().get(stream)!).open, { [B]: 2 });
    const b = lines(6, 2);
    makeReadable(d.path, B, b);
    const fixed = await readOnce([d.path], { checkpoints: cp });
    assert.deepEqual(fixed.seen.map((s) => [s.segment, s.line, s.text]), b.slice(2).map((t, i) => [B, i + 2, t]));
    assert.deepEqual(JSON.parse(fixed.tailer.checkpoints().get(stream)!), { v: 1, done_through: C, open: {}, done: [] });
    assert.deepEqual(fixed.tailer.unreadable(), []);
  } finally {
    d.cleanup();
  }
});

test('while following, a segment that becomes readable is read within the retry interval, with one error line before', async () => {
  const d = makeTempDir();
  const seen: SeenLine[] = [];
  const log = memoryLogger();
  unreadable(d.path, A);
  writeSegment(d.path, B, lines(2, 2));
  const tailer = new Tailer({ targets: await resolveTargets([d.path]), follow: true, rescanMs: 20, retryUnreadableMs: 60, logger: log, onBatch: (x) => void seen.push(...linesOf(x)) });
  const running = tailer.run();
  try {
    await waitFor(() => seen.length === 2, { what: 'the readable segment read' });
    // several retries happen meanwhile; they fail quietly (one line a minute at most)
    await waitFor(() => tailer.counters.segmentsUnreadable === 1 && tailer.unreadable().length === 1, { what: 'A unreadable' });
    const a = lines(5, 1);
    makeReadable(d.path, A, a);
    await waitFor(() => seen.length === 7, { what: 'A read once readable' });
    assert.deepEqual(seen.filter((s) => s.segment === A).map((s) => s.text), a);
    assert.deepEqual(tailer.unreadable(), []);
    assert.deepEqual(JSON.parse([...tailer.checkpoints().values()][0]!), { v: 1, done_through: B, open: {}, done: [] });
    assert.equal(log.entries.filter((e) => e.level === 'error').length, 1);
    assert.ok(log.entries.some((e) => e.level === "info" && e.msg === `${join(d.path, A)}: can be read again; reading it from line 1`), JSON.stringify(log.entries));
  } finally {
    tailer.stop();
    await running;
    d.cleanup();
  }
});

test('an unreadable segment deleted before it could be read is let go: the checkpoint moves on', async () => {
  const d = makeTempDir();
  const log = memoryLogger();
  unreadable(d.path, A);
  writeSegment(d.path, B, lines(2, 2));
  const tailer = new Tailer({ targets: await resolveTargets([d.path]), follow: true, rescanMs: 20, retryUnreadableMs: 20, logger: log, onBatch: () => undefined });
  const running = tailer.run();
  try {
    await waitFor(() => tailer.unreadable().length === 1 && tailer.counters.segmentsFinished === 1, { what: 'A unreadable, B read' });
    const { rmSync } = await import('node:fs');
    rmSync(join(d.path, A));
    await waitFor(() => tailer.unreadable().length === 0, { what: 'A let go' });
    assert.deepEqual(JSON.parse([...tailer.checkpoints().values()][0]!), { v: 1, done_through: B, open: {}, done: [] });
    assert.equal(tailer.counters.segmentsVanished, 1);
    assert.ok(log.entries.some((e) => e.level === 'warn' && e.msg.startsWith(`${join(d.path, A)}: deleted`)));
  } finally {
    tailer.stop();
    await running;
    d.cleanup();
  }
});

test('an unlistable directory is in the unreadable set, counted, while the other directories flow', { skip: process.getuid?.() === 0 ? 'root lists any directory (test/integration/unreadable.test.ts runs it as nobody)' : false }, async () => {
  const a = makeTempDir();
  const b = makeTempDir();
  try {
    writeSegment(b.path, A, lines(2));
    chmodSync(a.path, 0o311); // searchable, not listable
    const { seen, tailer } = await readOnce([a.path, b.path]);
    assert.equal(seen.length, 2);
    assert.deepEqual(tailer.unreadable().map((u) => [u.kind, u.path]), [['directory', a.path]]);
    assert.equal(tailer.counters.directoriesUnreadable, 1);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('a symlink with a segment name that leads to a directory is ignored, not unreadable: the checkpoint passes it', async () => {
  const d = makeTempDir();
  try {
    mkdirSync(join(d.path, 'elsewhere'));
    symlinkSync(join(d.path, 'elsewhere'), join(d.path, A));
    writeSegment(d.path, B, lines(4));
    const { seen, tailer } = await readOnce([d.path]);
    assert.equal(seen.length, 4);
    assert.deepEqual(tailer.unreadable(), []);
    assert.equal(tailer.counters.ignoredFiles, 1);
    assert.deepEqual(JSON.parse([...tailer.checkpoints().values()][0]!), { v: 1, done_through: B, open: {}, done: [] });
  } finally {
    d.cleanup();
  }
});

test('the unreadable set logs the first failure at once, then at most once a minute, and paces retries', () => {
  let now = 1_000_000;
  const log = memoryLogger();
  const set = new UnreadableInputs(log, () => now, 3000);
  assert.equal(set.failed('/logs/x', 'segment', 'EACCES: permission denied', 'tried again'), true);
  assert.equal(set.due('/logs/x'), false);
  now += 3000;
  assert.equal(set.due('/logs/x'), true);
  for (let i = 0; i < 19; i++) {
    assert.equal(set.failed('/logs/x', 'segment', 'EACCES: permission denied', 'tried again'), false);
    now += 3000;
  }
  assert.equal(log.entries.length, 1, 'one line in the first minute');
  now += UNREADABLE_WARN_MS;
  set.failed('/logs/x', 'segment', 'EACCES: permission denied', 'tried again');
  assert.equal(log.entries.length, 2);
  assert.match(log.entries[1]!.msg, /^\/logs\/x: still cannot be read: EACCES/);
  assert.deepEqual(set.list(), [{ path: '/logs/x', kind: 'segment', error: 'EACCES: permission denied', since: 1_000_000 }]);
  set.cleared('/logs/x');
  assert.deepEqual(set.list(), []);
  assert.equal(set.due('/logs/x'), true);
});
