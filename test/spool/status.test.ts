import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import { LoghookError } from '../../src/util/errors.js';
import { allDead, allRetried, chunk, SettableClock, tempStateDir } from './support.js';

test('status splits due and scheduled records and gives the oldest created time and dead count', () => {
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir: tempStateDir(), clock });
  assert.deepEqual(spool.status(1000), {
    rows: 0, records: 0, bytes: 0, dueRecords: 0, scheduledRecords: 0, oldestCreatedAt: null, deadCount: 0,
  });
  spool.commit([chunk(3, { size: 10 }), chunk(1, { size: 10 })]);
  const [three, one] = spool.takeDue(10, 1000);
  spool.settle(three!, allRetried([5000, 6000, 7000], 'HTTP 503'), 1000);
  spool.settle(one!, allDead(one!, 'HTTP 400'), 1000);
  clock.t = 2000;
  spool.commit([chunk(2, { size: 10 })]);
  assert.deepEqual(spool.status(5500), {
    rows: 4, records: 5, bytes: 50, dueRecords: 3, scheduledRecords: 2, oldestCreatedAt: 1000, deadCount: 1,
  });
  spool.close();
});

test('checkpointsDetail lists each stream with its value and the time of the commit that moved it', () => {
  const clock = new SettableClock(1000);
  const dir = tempStateDir();
  const spool = Spool.open({ stateDir: dir, clock });
  spool.commit([], new Map([['b', '{"line":1}'], ['a', '{"line":9}']]));
  clock.t = 3000;
  spool.commit([chunk(1)], new Map([['b', '{"line":2}']]));
  assert.deepEqual(spool.checkpointsDetail(), [
    { stream: 'a', value: '{"line":9}', updatedAt: 1000 },
    { stream: 'b', value: '{"line":2}', updatedAt: 3000 },
  ]);
  // every stream comes with every commit: one that did not move keeps the time it moved
  clock.t = 5000;
  spool.commit([chunk(2)], new Map([['a', '{"line":9}'], ['b', '{"line":3}']]));
  assert.deepEqual(spool.checkpointsDetail(), [
    { stream: 'a', value: '{"line":9}', updatedAt: 1000 },
    { stream: 'b', value: '{"line":3}', updatedAt: 5000 },
  ]);
  spool.close();
  // and a new connection writes every stream once (it does not know what is on disk)
  const again = Spool.open({ stateDir: dir, clock });
  clock.t = 7000;
  again.commit([], new Map([['a', '{"line":9}'], ['b', '{"line":3}']]));
  assert.deepEqual(again.checkpointsDetail().map((c) => c.updatedAt), [7000, 7000]);
  again.close();
});

test('a read-only spool sees what the writer commits, and refuses to write', () => {
  const stateDir = tempStateDir();
  const writer = Spool.open({ stateDir });
  const reader = Spool.open({ stateDir, readOnly: true });
  assert.deepEqual(reader.counts(), { rows: 0, records: 0, bytes: 0 });
  writer.commit([chunk(2, { size: 5 })], new Map([['s1', 'x']]));
  assert.deepEqual(reader.counts(), { rows: 1, records: 2, bytes: 10 });
  assert.equal(reader.status(Date.now()).dueRecords, 2);
  for (const write of [
    () => reader.commit([chunk(1)]),
    () => reader.takeDue(1, 0),
    () => reader.ack([1]),
    () => reader.purgeDead({ all: true }),
  ]) {
    assert.throws(write, (err: unknown) => err instanceof LoghookError && err.code === 'LOGHOOK_INTERNAL');
  }
  reader.close();
  writer.close();
});
