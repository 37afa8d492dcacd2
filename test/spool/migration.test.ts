import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { recordBytes } from '../../src/spool/types.js';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { DeadLetterStore } from '../../src/spool/dead-letter-store.js';
import { Spool } from '../../src/spool/spool.js';
import { IncompatibleStateError } from '../../src/util/errors.js';
import { writeFormat1 } from './format-1.js';
import { allRetried, assertLedgerMatchesRows, chunk, SettableClock, rawLocatedRows, recordTexts, tempStateDir } from './support.js';

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
  assert.equal(pragma(stateDir, 'user_version'), 3);
  for (const table of ['messages', 'files', 'queues', 'dead_letters']) {
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
  const clock = new SettableClock(1000);
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

test('a reader and the dead-letter tools refuse an older file, saying how to migrate it, and leave it untouched', () => {
  const stateDir = oldQueue();
  const before = readFileSync(join(stateDir, 'queue.db'));
  // Only the lock holder migrates; the old tables cannot be read as the new ones.
  for (const open of [() => Spool.open({ stateDir, readOnly: true }), () => DeadLetterStore.open({ stateDir, clock: new SettableClock(700) })]) {
    assert.throws(open, (err: unknown) => err instanceof IncompatibleStateError && /format 1, from an older loghook: start `loghook tail`/.test(err.message));
  }
  assert.deepEqual(readFileSync(join(stateDir, 'queue.db')), before);
  assert.equal(existsSync(join(stateDir, 'bodies')), false);
  const spool = Spool.open({ stateDir });
  assert.deepEqual(spool.takeDue(100, Date.now()).flatMap((m) => recordTexts(m)), ['old:0', 'old:1', 'old:2', 'older:3', 'older:4']);
  spool.close();
});

test('a format-2 state dir written by the previous loghook migrates in place: its queue becomes hook default\'s, nothing lost', () => {
  const stateDir = tempStateDir();
  cpSync(fileURLToPath(new URL('../../../test/fixtures/state-format-2/state', import.meta.url)), stateDir, { recursive: true });
  assert.equal(pragma(stateDir, 'user_version'), 2);
  const spool = Spool.open({ stateDir, clock: new SettableClock(Date.now()) });
  assert.equal(pragma(stateDir, 'user_version'), 3);
  assert.deepEqual(
    spool.queues().map(({ id, hook, endpoint, records, dead }) => ({ id, hook, endpoint, records, dead })),
    [{ id: 1, hook: 'default', endpoint: '', records: 1561, dead: 1 }],
  );
  assert.equal(spool.counts().records, 1561);
  assert.equal(spool.deadCount(), 1);
  assert.deepEqual([...spool.loadCheckpoints().keys()], ['/tmp/loghook-format2-fixture/logs/*']);
  // every queued record comes back, with its bytes, whether in the body file or inline (retries)
  const rows = spool.queue(1).takeDue(1_000_000, Date.now() + 86_400_000);
  const records = rows.flatMap((m) => Array.from(m.lines, (_, i) => recordBytes(m, i)));
  assert.equal(records.length, 1561);
  for (const r of records) assert.equal(typeof (JSON.parse(r.toString()) as { type: string }).type, 'string');
  assert.ok(rows.some((m) => m.attempts > 0), 'the scheduled retries are there too');
  spool.close();
});
