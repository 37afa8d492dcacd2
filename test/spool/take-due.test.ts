import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadLetterStore } from '../../src/spool/dead-letter-store.js';
import { Spool } from '../../src/spool/spool.js';
import { KEYS_LATER_DUE_SQL, KEYS_SAME_DUE_SQL } from '../../src/spool/row-table.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { QueuedRow } from '../../src/spool/types.js';
import { allDead, allRetried, chunk, SettableClock, recordTexts, tempStateDir } from './support.js';

const texts = (rows: QueuedRow[]) => rows.flatMap((m) => recordTexts(m));

function open(clock: SettableClock, window?: { records: number; bytes?: number }): Spool {
  return Spool.open({
    stateDir: tempStateDir(),
    clock,
    ...(window && { memoryWindowRecords: window.records, memoryWindowBytes: window.bytes ?? 1 << 30 }),
  });
}

test('takeDue hands out whole rows oldest first and stops before exceeding maxRecords', () => {
  const spool = open(new SettableClock(100));
  spool.commit([chunk(3, { tag: 'a' }), chunk(2, { tag: 'b' }), chunk(1, { tag: 'c' })]);
  assert.deepEqual(texts(spool.takeDue(4, 100)), ['a:0', 'a:1', 'a:2']);
  assert.deepEqual(texts(spool.takeDue(4, 100)), ['b:0', 'b:1', 'c:0']);
  assert.deepEqual(spool.takeDue(4, 100), []);
  spool.close();
});

test('takeDue returns one row even when that row alone has more records than maxRecords', () => {
  const spool = open(new SettableClock(100));
  spool.commit([chunk(5, { tag: 'big' }), chunk(1, { tag: 'small' })]);
  assert.deepEqual(texts(spool.takeDue(2, 100)), ['big:0', 'big:1', 'big:2', 'big:3', 'big:4']);
  spool.close();
});

test('a claimed row is not handed out again while its outcome is pending', () => {
  const spool = open(new SettableClock(100));
  spool.commit([chunk(1, { tag: 'a' })]);
  const [a] = spool.takeDue(10, 100);
  assert.deepEqual(spool.takeDue(10, 1000), []);
  spool.ack([a!.rowId]);
  assert.deepEqual(spool.takeDue(10, 1000), [], 'acked (buffered) is not due again');
  spool.flush();
  assert.deepEqual(spool.takeDue(10, 1000), []);
  assert.equal(spool.nextDueAt(), null);
  spool.close();
});

test('rows in flight when the process stopped are handed out again after a reopen', () => {
  const clock = new SettableClock(100);
  const stateDir = tempStateDir();
  let spool = Spool.open({ stateDir, clock });
  spool.commit([chunk(1, { tag: 'a' }), chunk(1, { tag: 'b' })]);
  const [a, b] = spool.takeDue(10, 100);
  spool.ack([a!.rowId]);
  spool.close(); // flushes the ack; b never got an outcome
  spool = Spool.open({ stateDir, clock });
  const again = spool.takeDue(10, 100);
  assert.deepEqual(texts(again), ['b:0']);
  assert.equal(again[0]!.rowId, b!.rowId);
  spool.close();
});

test('rows not due yet are held back and nextDueAt names the earliest due time', () => {
  const clock = new SettableClock(100);
  const spool = open(clock);
  spool.commit([chunk(1, { tag: 'a' })]);
  assert.deepEqual(spool.takeDue(10, 99), []);
  assert.equal(spool.nextDueAt(), 100);
  const [a] = spool.takeDue(10, 100);
  spool.settle(a!, allRetried([500], 'HTTP 503'), 100);
  spool.flush();
  assert.equal(spool.nextDueAt(), 500);
  assert.deepEqual(spool.takeDue(10, 499), []);
  assert.deepEqual(texts(spool.takeDue(10, 500)), ['a:0']);
  assert.equal(spool.nextDueAt(), null);
  spool.close();
});

test('a retried row due before newer rows is handed out before them', () => {
  const clock = new SettableClock(100);
  const spool = open(clock);
  spool.commit([chunk(1, { tag: 'old' })]);
  const [old] = spool.takeDue(10, 100);
  spool.settle(old!, allRetried([150], 'HTTP 500'), 100);
  clock.t = 120;
  spool.commit([chunk(1, { tag: 'early' })]); // due 120: before the retry
  clock.t = 200;
  spool.commit([chunk(1, { tag: 'late' })]); // due 200: after it
  assert.deepEqual(texts(spool.takeDue(10, 200)), ['early:0', 'old:0', 'late:0']);
  spool.close();
});

test('a row whose due time comes after newer rows were committed is handed out when due, once', () => {
  const clock = new SettableClock(100);
  const spool = open(clock);
  spool.commit([chunk(1, { tag: 'r' })]);
  const [r] = spool.takeDue(10, 100);
  spool.settle(r!, allRetried([300], 'timeout'), 100);
  for (let t = 110; t <= 400; t += 10) {
    clock.t = t;
    spool.commit([chunk(1, { tag: `t${t}` })]);
    const got = texts(spool.takeDue(10, t));
    assert.deepEqual(got, t === 300 ? ['r:0', `t${t}:0`] : [`t${t}:0`], `at ${t}`);
  }
  spool.close();
});

test('a retry due in the past, behind rows already handed out, is still handed out', () => {
  const clock = new SettableClock(1000);
  const spool = open(clock);
  spool.commit([chunk(1, { tag: 'a' }), chunk(1, { tag: 'b' })]);
  const [a, b] = spool.takeDue(10, 1000);
  spool.settle(b!, allRetried([10], 'reset'), 1000);
  spool.ack([a!.rowId]);
  spool.flush();
  assert.equal(spool.nextDueAt(), 10);
  assert.deepEqual(texts(spool.takeDue(10, 1000)), ['b:0']);
  spool.close();
});

test('rows committed after the clock stepped back are handed out, none skipped', () => {
  const clock = new SettableClock(1000);
  const spool = open(clock);
  spool.commit([chunk(1, { tag: 'a' })]);
  assert.deepEqual(texts(spool.takeDue(10, 1000)), ['a:0']);
  clock.t = 400;
  spool.commit([chunk(1, { tag: 'b' })]);
  clock.t = 1001;
  spool.commit([chunk(1, { tag: 'c' })]);
  assert.deepEqual(texts(spool.takeDue(10, 1001)), ['b:0', 'c:0']);
  spool.close();
});

test('rows committed while the memory window was full are all handed out, in order', () => {
  const clock = new SettableClock(100);
  const spool = open(clock, { records: 3 });
  const tags: string[] = [];
  for (let i = 0; i < 10; i++) {
    clock.t = 100 + i;
    tags.push(`c${i}:0`, `c${i}:1`);
    spool.commit([chunk(2, { tag: `c${i}` })]);
  }
  const got: string[] = [];
  for (let rows = spool.takeDue(3, 200); rows.length > 0; rows = spool.takeDue(3, 200)) got.push(...texts(rows));
  assert.deepEqual(got, tags);
  spool.close();
});

test('the memory window is also bounded by body bytes', () => {
  const clock = new SettableClock(100);
  const spool = open(clock, { records: 1000, bytes: 10 });
  spool.commit([chunk(1, { tag: 'a', size: 8 }), chunk(1, { tag: 'b', size: 8 }), chunk(1, { tag: 'c', size: 8 })]);
  assert.deepEqual(texts(spool.takeDue(10, 100)), ['a:0', 'b:0', 'c:0']);
  spool.close();
});

test('rows requeued by another connection while rows are claimed are handed out, claimed ones are not', () => {
  const clock = new SettableClock(1000);
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir, clock, foreignPollMs: 0 });
  spool.commit([chunk(1, { tag: 'dead' }), chunk(1, { tag: 'inflight' })]);
  const [dead, inflight] = spool.takeDue(10, 1000);
  spool.settle(dead!, allDead(dead!, 'HTTP 400'), 1000);
  spool.flush();
  // Another process requeues with its own clock, behind this one's cursor.
  const store = DeadLetterStore.open({ stateDir, clock: new SettableClock(900) });
  assert.equal(store.requeue({ all: true }), 1);
  store.close();
  assert.equal(spool.nextDueAt(), 900);
  assert.deepEqual(texts(spool.takeDue(10, 1000)), ['dead:0']);
  assert.deepEqual(spool.takeDue(10, 5000), []);
  spool.ack([inflight!.rowId]);
  spool.close();
});

test('the cursor walk seeks the due index on both columns, so a large group with one due time is not rescanned', () => {
  // A row value (due_at, id) > (?, ?) would be sought on due_at alone: a requeue of a million dead
  // letters (one due time) would make every take walk the group from its start. The plans prove
  // each of the walk's two queries is a seek within the covering index, never a scan.
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir, clock: new SettableClock(1000) });
  spool.commit(Array.from({ length: 10 }, (_, i) => chunk(1, { firstLine: i })));
  spool.close();
  const db = new Database(join(stateDir, 'queue.db'), { readonly: true });
  const plan = (sql: string, ...args: number[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('; ');
  assert.match(plan(KEYS_SAME_DUE_SQL, 1, 0, 0, 0), /^SEARCH messages USING COVERING INDEX messages_due \(queue_id=\? AND due_at=\? AND id>\?\)$/);
  assert.match(plan(KEYS_LATER_DUE_SQL, 1, 0, 0), /^SEARCH messages USING COVERING INDEX messages_due \(queue_id=\? AND due_at>\?\)$/);
  db.close();
});

test('rows another process requeued are seen by reads within foreignPollMs', async () => {
  const clock = new SettableClock(1000);
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir, clock, foreignPollMs: 40 });
  spool.commit([chunk(1, { tag: 'dead' })]);
  const [dead] = spool.takeDue(10, 1000);
  spool.settle(dead!, allDead(dead!, 'HTTP 400'), 1000);
  spool.flush();
  assert.equal(spool.nextDueAt(), null);
  const store = DeadLetterStore.open({ stateDir, clock });
  assert.equal(store.requeue({ all: true }), 1);
  store.close();
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(texts(spool.takeDue(10, 1000)), ['dead:0']);
  spool.close();
});
