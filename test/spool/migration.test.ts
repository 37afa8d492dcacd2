import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { DeadLetterStore } from '../../src/spool/dead-letter-store.js';
import { Spool } from '../../src/spool/spool.js';
import { writeFormat1 } from './format-1.js';
import { allRetried, assertLedgerMatchesRows, chunk, ManualClock, rawLocatedRows, recordTexts, tempStateDir } from './support.js';

function pragma(stateDir: string, name: string): unknown {
  const db = new Database(join(stateDir, 'queue.db'), { readonly: true });
  try {
    return db.pragma(name, { simple: !name.startsWith('table_info') });
  } finally {
    db.close();
  }
}

function oldQueue(): string {
  const stateDir = tempStateDir();
  writeFormat1(stateDir, [chunk(3, { tag: 'old', size: 20 }), chunk(2, { tag: 'older', firstLine: 3, size: 20 })], 500);
  return stateDir;
}

test('the writer migrates a format-1 queue.db in place to the schema a fresh one has', () => {
  const stateDir = oldQueue();
  Spool.open({ stateDir }).close();
  const fresh = tempStateDir();
  Spool.open({ stateDir: fresh }).close();
  assert.equal(pragma(stateDir, 'user_version'), 2);
  for (const table of ['messages', 'files']) {
    assert.deepEqual(pragma(stateDir, `table_info(${table})`), pragma(fresh, `table_info(${table})`), table);
  }
  // The old rows are inline rows: nothing was rewritten.
  assert.deepEqual(
    rawLocatedRows(stateDir).map((r) => [r.file_id, r.file_offset, r.inline.length]),
    [[null, null, 60], [null, null, 40]],
  );
});

test('after the migration the old inline rows are handed out, scattered, acked and counted like new ones', () => {
  const stateDir = oldQueue();
  const clock = new ManualClock(1000);
  let spool = Spool.open({ stateDir, clock });
  assert.deepEqual(spool.loadCheckpoints(), new Map([['s1', 'old']]));
  assert.deepEqual(spool.counts(), { rows: 2, records: 5, bytes: 100 });
  assert.equal(spool.deadCount(), 1);
  const [three, two] = spool.takeDue(100, 1000);
  assert.deepEqual(recordTexts(three!), ['old:0', 'old:1', 'old:2']);
  assert.deepEqual([...two!.lines], [3, 4]);
  spool.settle(three!, allRetried([2000, 2000, 2000], 'HTTP 503'), 1000);
  spool.ack([two!.rowId]);
  spool.commit([chunk(2, { tag: 'new', size: 20 })], new Map([['s1', 'new']]));
  assert.deepEqual(spool.counts(), { rows: 4, records: 5, bytes: 100 });
  assertLedgerMatchesRows(stateDir, 1);
  spool.close();

  spool = Spool.open({ stateDir, clock });
  assert.deepEqual(spool.takeDue(100, 2000).flatMap((m) => recordTexts(m)), ['new:0', 'new:1', 'old:0', 'old:1', 'old:2']);
  assert.equal(spool.requeueDead({ all: true }), 1);
  assert.deepEqual(spool.takeDue(100, 2000).flatMap((m) => recordTexts(m)), ['dead:0']);
  spool.close();
});

test('a reader and the dead-letter tools use a format-1 file as it is: no migration, no body files', () => {
  const stateDir = oldQueue();
  const before = readFileSync(join(stateDir, 'queue.db'));
  const reader = Spool.open({ stateDir, readOnly: true });
  assert.deepEqual(reader.counts(), { rows: 2, records: 5, bytes: 100 });
  assert.equal(reader.status(1000).dueRecords, 5);
  assert.deepEqual(reader.listDead({ all: true }).map((d) => d.record.toString()), ['dead:0\n']);
  reader.close();
  assert.deepEqual(readFileSync(join(stateDir, 'queue.db')), before);

  // The dead-letter tools hold no lock: only the lock holder migrates.
  const store = DeadLetterStore.open({ stateDir, clock: new ManualClock(700) });
  assert.equal(store.requeue({ all: true }), 1);
  store.close();
  assert.equal(pragma(stateDir, 'user_version'), 1);
  assert.equal(existsSync(join(stateDir, 'bodies')), false);

  const spool = Spool.open({ stateDir });
  assert.deepEqual(spool.takeDue(100, Date.now()).flatMap((m) => recordTexts(m)), ['old:0', 'old:1', 'old:2', 'older:3', 'older:4', 'dead:0']);
  spool.close();
});
