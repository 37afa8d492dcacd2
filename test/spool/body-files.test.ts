import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import { LoghookError } from '../../src/util/errors.js';
import { allRetried, assertLedgerMatchesRows, bodyFilePath, chunk, SettableClock, rawFiles, rawLocatedRows, recordTexts, tempStateDir } from './support.js';

/** The names in the bodies dir, body files in id order first. */
function files(stateDir: string): string[] {
  const dir = join(stateDir, 'bodies');
  const id = (name: string) => (/^\d+\.dat$/.test(name) ? parseInt(name, 10) : Infinity);
  return existsSync(dir) ? readdirSync(dir).sort((a, b) => id(a) - id(b) || a.localeCompare(b)) : [];
}

test('a commit appends the bodies to one body file; rows hold only where they are', () => {
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir });
  const a = chunk(2, { tag: 'a', size: 10 });
  const b = chunk(3, { tag: 'b', size: 10 });
  spool.commit([a, b]);
  spool.commit([chunk(1, { tag: 'c', size: 10 })]);
  assert.deepEqual(files(stateDir), ['1.dat']);
  assert.deepEqual(readFileSync(bodyFilePath(stateDir, 1)).toString(), `${a.body}${b.body}c:0......\n`);
  assert.deepEqual(
    rawLocatedRows(stateDir).map((r) => [r.file_id, r.file_offset, r.bytes, r.inline]),
    [[1, 0, 20, ''], [1, 20, 30, ''], [1, 50, 10, '']],
  );
  assert.deepEqual(rawFiles(stateDir), [{ id: 1, live_rows: 3, bytes: 60 }]);
  spool.close();
});

test('rows that are not in memory are read from their body file, byte for byte', () => {
  const clock = new SettableClock(100);
  const spool = Spool.open({ stateDir: tempStateDir(), clock, memoryWindowRecords: 0 });
  const input = [chunk(3, { tag: 'x', size: 33 }), chunk(1, { tag: 'y', size: 7 })];
  spool.commit(input);
  const got = spool.takeDue(100, 100);
  assert.deepEqual(got.map((m) => m.body), input.map((c) => c.body));
  assert.deepEqual(got.map((m) => [...m.ends]), input.map((c) => c.ends));
  spool.close();
});

test('a new process appends to a new file; the old one goes with its last row, the current one stays while empty', () => {
  const stateDir = tempStateDir();
  let spool = Spool.open({ stateDir });
  spool.commit([chunk(1, { tag: 'first' })]);
  spool.close();
  spool = Spool.open({ stateDir });
  spool.commit([chunk(1, { tag: 'second' })]);
  assert.deepEqual(files(stateDir), ['1.dat', '2.dat']);
  const [first, second] = spool.takeDue(10, Date.now());
  assert.deepEqual([recordTexts(first!), recordTexts(second!)], [['first:0'], ['second:0']]);
  spool.ack([first!.rowId, second!.rowId]);
  spool.flush();
  assert.deepEqual(files(stateDir), ['2.dat', 'spare.dat'], 'file 1 is kept to be written over; file 2 is still appended to');
  assertLedgerMatchesRows(stateDir, 2);
  spool.close();
  assert.deepEqual(files(stateDir), [], 'close lets the spare and the empty current file go');
  assert.deepEqual(rawFiles(stateDir), []);
});

test('appending moves to a new file past the rotation size; counts stay record bytes, not file sizes', () => {
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir, bodyStore: { rotateBytes: 250 } });
  for (let i = 0; i < 6; i++) spool.commit([chunk(1, { tag: `r${i}`, size: 100 })]);
  assert.deepEqual(files(stateDir), ['1.dat', '2.dat']);
  assert.deepEqual(rawFiles(stateDir), [{ id: 1, live_rows: 3, bytes: 300 }, { id: 2, live_rows: 3, bytes: 300 }]);
  const rows = spool.takeDue(100, Date.now());
  spool.ack(rows.slice(0, 3).map((m) => m.rowId));
  spool.flush();
  assert.deepEqual(files(stateDir), ['2.dat', 'spare.dat']);
  assert.deepEqual(spool.counts(), { rows: 3, records: 3, bytes: 300 });
  // File 2 is full: the next commit moves on to file 3, which is the spare written over.
  spool.ack(rows.slice(3, 5).map((m) => m.rowId));
  spool.commit([chunk(1, { tag: 'r6', size: 100 })]);
  assert.deepEqual(files(stateDir), ['2.dat', '3.dat']);
  assert.equal(statSync(bodyFilePath(stateDir, 3)).size, 300, 'file 1 renamed, its old bytes past offset 100 unused');
  assert.deepEqual(spool.counts(), { rows: 2, records: 2, bytes: 200 });
  spool.ack([rows[5]!.rowId]);
  spool.flush();
  assert.deepEqual(files(stateDir), ['3.dat', 'spare.dat']);
  assertLedgerMatchesRows(stateDir, 3);
  spool.close();
  const again = Spool.open({ stateDir });
  assert.deepEqual(again.takeDue(100, Date.now()).map((m) => m.body.toString()), [chunk(1, { tag: 'r6', size: 100 }).body.toString()]);
  again.close();
});

test('a retried record points at its own bytes in the body file it came in: nothing is copied', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  let spool = Spool.open({ stateDir, clock });
  spool.commit([chunk(3, { tag: 'many', size: 8 }), chunk(1, { tag: 'one', size: 8 }), chunk(1, { tag: 'ok', size: 8 })]);
  const [many, one, ok] = spool.takeDue(100, 1000);
  spool.settle(many!, allRetried([5000, 5000, 5000], 'HTTP 503'), 1000);
  spool.settle(one!, allRetried([6000], 'HTTP 503'), 1000);
  spool.ack([ok!.rowId]);
  spool.close();
  assert.deepEqual(files(stateDir), ['1.dat']);
  assert.deepEqual(
    rawLocatedRows(stateDir).map((r) => [r.file_id, r.bytes, r.inline, r.body, r.attempts]),
    [[1, 8, '', 'one:0..\n', 1], [1, 8, '', 'many:0.\n', 1], [1, 8, '', 'many:1.\n', 1], [1, 8, '', 'many:2.\n', 1]],
  );
  assertLedgerMatchesRows(stateDir);
  assert.equal(rawLocatedRows(stateDir)[0]!.id, one!.rowId, 'a single-record row is retried in place');
  spool = Spool.open({ stateDir, clock });
  assert.deepEqual(spool.takeDue(100, 6000).flatMap((m) => recordTexts(m)), ['many:0', 'many:1', 'many:2', 'one:0']);
  spool.close();
});

test('a row settled with mixed results leaves the queue; its retries point at their own records in its body file', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  let spool = Spool.open({ stateDir, clock });
  spool.commit([chunk(1, { tag: 'keep', size: 7 }), chunk(4, { tag: 'big', size: 7 })]);
  const [keep, big] = spool.takeDue(100, 1000);
  spool.settle(
    big!,
    [
      { kind: 'retry', dueAt: 5000, disposition: 'HTTP 503' },
      { kind: 'delivered' },
      { kind: 'dead', reason: 'final', disposition: 'HTTP 400' },
      { kind: 'retry', dueAt: 4000, disposition: 'HTTP 503' },
    ],
    1000,
  );
  spool.flush();
  assert.deepEqual(
    rawLocatedRows(stateDir).map((r) => [r.file_id, r.bytes, r.inline, r.body]),
    [[1, 7, '', 'keep:0\n'], [1, 7, '', 'big:0.\n'], [1, 7, '', 'big:3.\n']],
  );
  assertLedgerMatchesRows(stateDir, 1);
  spool.ack([keep!.rowId]);
  spool.close();
  assert.deepEqual(files(stateDir), ['1.dat'], 'the retries still live in the file');
  assert.deepEqual(rawFiles(stateDir), [{ id: 1, live_rows: 2, bytes: 14 }]);
  spool = Spool.open({ stateDir, clock });
  assert.deepEqual(spool.takeDue(100, 5000).map((m) => recordTexts(m)), [['big:3'], ['big:0']]);
  assert.deepEqual(spool.listDead({ all: true }).map((d) => d.record.toString()), ['big:2.\n']);
  spool.close();
});

test('opening removes body files no row lives in, but a read-only open touches nothing', () => {
  const stateDir = tempStateDir();
  let spool = Spool.open({ stateDir });
  spool.commit([chunk(1, { tag: 'live' })]);
  spool.close();
  const bodies = join(stateDir, 'bodies');
  writeFileSync(join(bodies, '7.dat'), 'orphan of a crash'); // unknown to the files table
  writeFileSync(join(bodies, 'spare.dat'), 'a spare left by a crash');
  writeFileSync(join(bodies, 'notes.txt'), 'not ours');
  const reader = Spool.open({ stateDir, readOnly: true });
  assert.deepEqual(reader.counts().records, 1);
  reader.close();
  assert.deepEqual(files(stateDir), ['1.dat', '7.dat', 'notes.txt', 'spare.dat']);
  spool = Spool.open({ stateDir });
  assert.deepEqual(files(stateDir), ['1.dat', 'notes.txt']);
  assert.deepEqual(spool.takeDue(10, Date.now()).flatMap((m) => recordTexts(m)), ['live:0']);
  spool.close();
});

test('a body file missing under queued rows is damaged state naming it', () => {
  const stateDir = tempStateDir();
  let spool = Spool.open({ stateDir });
  spool.commit([chunk(1)]);
  spool.close();
  rmSync(bodyFilePath(stateDir, 1));
  spool = Spool.open({ stateDir });
  assert.throws(
    () => spool.takeDue(10, Date.now()),
    (err: unknown) =>
      err instanceof LoghookError && err.code === 'LOGHOOK_STATE_DAMAGED' && err.message.startsWith(`${bodyFilePath(stateDir, 1)}: it is missing`),
  );
  spool.close();
});

test('bodyStore.inline stores fresh bodies in SQLite as format 1 did (for the benchmark)', () => {
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir, bodyStore: { inline: true } });
  spool.commit([chunk(2, { tag: 'in' })]);
  assert.deepEqual(rawLocatedRows(stateDir).map((r) => [r.file_id, r.inline]), [[null, 'in:0\nin:1\n']]);
  assert.equal(existsSync(join(stateDir, 'bodies')), false);
  spool.close();
});

test('a state dir created before any commit has no bodies dir; it appears with the first body', () => {
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir });
  spool.commit([], new Map([['s1', 'x']]));
  assert.equal(existsSync(join(stateDir, 'bodies')), false);
  spool.commit([chunk(1)]);
  assert.deepEqual(files(stateDir), ['1.dat']);
  spool.close();
});
