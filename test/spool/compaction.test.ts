// Body-file compaction (src/spool/compaction.ts): records retried for long move out of a file that
// is mostly dead bytes, so the file goes; nothing queued changes but where its bytes are.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import { checkState } from '../../src/spool/state-check.js';
import type { QueuedRow, RecordResult } from '../../src/spool/types.js';
import { assertLedgerMatchesRows, bodyFilePath, chunk, SettableClock, rawFiles, rawLocatedRows, recordTexts, tempStateDir } from './support.js';

/** Body files of 1,000 bytes: a chunk of 10 records of 100 bytes fills one. */
const SMALL_FILES = { bodyStore: { rotateBytes: 1000 } };

const retry = (dueAt: number): RecordResult => ({ kind: 'retry', dueAt, disposition: 'HTTP 503' });

/** Retries the records whose text is in `failing`, delivers the others. */
function settleAll(spool: Spool, rows: QueuedRow[], failing: Set<string>, dueAt: number, now: number): void {
  for (const m of rows) {
    const results = recordTexts(m).map((t): RecordResult => (failing.has(t) ? retry(dueAt) : { kind: 'delivered' }));
    spool.queue(m.queueId).settle(m, results, now);
  }
}

const bodyNames = (stateDir: string) => readdirSync(join(stateDir, 'bodies')).sort();

test('a record retried 20 times lets go of the body file it came in, and is still read with the same bytes', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock, ...SMALL_FILES });
  const first = chunk(10, { tag: 'first', size: 100 });
  spool.commit([first]);
  const original = first.body.subarray(first.ends[2], first.ends[3]);
  const failing = new Set(['first:3']);
  for (let attempt = 1; attempt <= 20; attempt++) {
    settleAll(spool, spool.takeDue(100, clock.t), failing, clock.t + 10, clock.t);
    clock.t += 10;
    spool.commit([chunk(10, { tag: `fresh${attempt}`, size: 100 })]);
  }
  spool.flush();
  assert.ok(!existsSync(bodyFilePath(stateDir, 1)), 'file 1 is gone from disk');
  assert.ok(!rawFiles(stateDir).some((f) => f.id === 1));
  const [row] = rawLocatedRows(stateDir).filter((r) => r.body.startsWith('first:'));
  assert.equal(row!.attempts, 20);
  assert.notEqual(row!.file_id, 1);
  assert.equal(row!.body, original.toString());
  assert.ok(bodyNames(stateDir).length <= 3, `only the current file, the one before and the spare: ${bodyNames(stateDir)}`);
  assertLedgerMatchesRows(stateDir, row!.file_id);
  spool.close();
  assert.deepEqual(checkState(stateDir).problems, []);
  const again = Spool.open({ stateDir, clock, ...SMALL_FILES });
  const back = again.takeDue(100, clock.t + 10).find((m) => m.lines[0] === 3 && recordTexts(m)[0] === 'first:3');
  assert.deepEqual(back?.body, original);
  again.close();
});

test('a file that still holds a record never tried is not compacted; once that record is retried, it is', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock, ...SMALL_FILES });
  const slow = spool.queueId('slow');
  spool.commit([{ ...chunk(1, { tag: 'slow', size: 100 }), queueId: slow }, chunk(9, { tag: 'fast', size: 100 })]);
  spool.ack(spool.takeDue(100, clock.t).map((m) => m.rowId));
  for (let i = 0; i < 3; i++) spool.commit([chunk(10, { tag: `more${i}`, size: 100 })]);
  assert.ok(existsSync(bodyFilePath(stateDir, 1)), 'the slow queue has not tried its record yet: file 1 drains by itself');
  assert.deepEqual(rawFiles(stateDir)[0], { id: 1, live_rows: 1, bytes: 100 });
  const [s] = spool.queue(slow).takeDue(10, clock.t);
  spool.queue(slow).settle(s!, [retry(clock.t + 100)], clock.t);
  spool.commit([chunk(10, { tag: 'after', size: 100 })]); // writes the retry
  spool.commit([chunk(10, { tag: 'after2', size: 100 })]); // moves it
  assert.ok(!existsSync(bodyFilePath(stateDir, 1)));
  const [row] = rawLocatedRows(stateDir).filter((r) => r.body.startsWith('slow:'));
  assert.deepEqual([row!.attempts, row!.body], [1, chunk(1, { tag: 'slow', size: 100 }).body.toString()]);
  assertLedgerMatchesRows(stateDir, row!.file_id);
  spool.close();
  assert.deepEqual(checkState(stateDir).problems, []);
});

test('a row moved while it is in flight settles at its new place', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock, ...SMALL_FILES });
  spool.commit([chunk(10, { tag: 'a', size: 100 })]);
  settleAll(spool, spool.takeDue(100, clock.t), new Set(['a:5']), clock.t, clock.t);
  spool.commit([chunk(10, { tag: 'b', size: 100 })]); // writes the outcomes: file 1 holds only a:5
  const inFlight = spool.takeDue(100, clock.t).find((m) => recordTexts(m)[0] === 'a:5')!;
  assert.equal(rawLocatedRows(stateDir).find((r) => r.id === inFlight.rowId)!.file_id, 1);
  spool.commit([chunk(10, { tag: 'c', size: 100 })]); // moves it while it is claimed
  const moved = rawLocatedRows(stateDir).find((r) => r.id === inFlight.rowId)!;
  assert.notEqual(moved.file_id, 1);
  assert.ok(!existsSync(bodyFilePath(stateDir, 1)));
  spool.settle(inFlight, [retry(clock.t + 5)], clock.t);
  spool.flush();
  const after = rawLocatedRows(stateDir).find((r) => r.id === inFlight.rowId)!;
  assert.deepEqual([after.file_id, after.file_offset, after.attempts, after.body], [moved.file_id, moved.file_offset, 2, 'a:5'.padEnd(99, '.') + '\n']);
  assertLedgerMatchesRows(stateDir, appendingFile(stateDir));
  const [again] = spool.takeDue(100, clock.t + 5).filter((m) => m.rowId === inFlight.rowId);
  spool.ack([again!.rowId]);
  spool.close();
  assert.deepEqual(checkState(stateDir).problems, []);
  assert.ok(!rawLocatedRows(stateDir).some((r) => r.body.startsWith('a:')));
});

/** The newest file id: the one appended to (its ledger row may be empty). */
function appendingFile(stateDir: string): number {
  return Math.max(...rawFiles(stateDir).map((f) => f.id));
}

test('compaction moves at most stepBytes per commit, over as many commits as it takes', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock, ...SMALL_FILES, compaction: { stepBytes: 250 } });
  spool.commit([chunk(10, { tag: 'x', size: 100 })]);
  const failing = new Set(['x:0', 'x:2', 'x:4', 'x:6', 'x:8']); // 500 of 1,000 bytes stay
  settleAll(spool, spool.takeDue(100, clock.t), failing, clock.t + 1_000_000, clock.t);
  spool.commit([chunk(1, { tag: 'y', size: 100 })]); // writes the outcomes
  const inFile1 = () => rawLocatedRows(stateDir).filter((r) => r.file_id === 1).length;
  const seen: number[] = [inFile1()];
  for (let i = 0; i < 3; i++) {
    spool.commit([chunk(1, { tag: `z${i}`, size: 100 })]);
    seen.push(inFile1());
  }
  assert.deepEqual(seen, [5, 2, 0, 0], 'three rows (300 bytes, the step reached) then the last two');
  assert.ok(!existsSync(bodyFilePath(stateDir, 1)));
  assert.deepEqual(
    rawLocatedRows(stateDir).filter((r) => r.body.startsWith('x:')).map((r) => r.body.replace(/\.*\n$/, '')),
    [...failing],
  );
  spool.close();
  assert.deepEqual(checkState(stateDir).problems, []);
});
