// Each queue's lifetime counters (queued, delivered, retried, dead, expired): moved by the commits
// the spool makes anyway, kept across restarts and dead-letter requeues, readable read-only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { ChunkInput } from '../../src/spool/types.js';
import { SettableClock, tempStateDir } from './support.js';

function chunk(queueId: number, n: number, first = 0): ChunkInput {
  const parts = Array.from({ length: n }, (_, i) => Buffer.from(`{"r":${first + i}}\n`));
  const ends: number[] = [];
  let at = 0;
  for (const p of parts) ends.push((at += p.length));
  return { queueId, stream: 's1', segment: 'seg-1', segmentKey: '0123456789abcdef', lines: parts.map((_, i) => first + i), body: Buffer.concat(parts), ends };
}

const totalOf = (spool: Spool, id: number) => spool.queues().find((q) => q.id === id)!.total;

test('a queue counts records queued, delivered, retried, dead and expired over its life, across restarts', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  let spool = Spool.open({ stateDir, clock });
  const q = spool.queueId('events');
  const other = spool.queueId('audit');
  spool.commit([chunk(q, 5), chunk(other, 2)], new Map([['s1', 'cp']]));
  assert.deepEqual(totalOf(spool, q), { queued: 5, delivered: 0, retried: 0, dead: 0, expired: 0 });

  const [row] = spool.queue(q).takeDue(100, 1000);
  spool.queue(q).settle(row!, [
    { kind: 'delivered' },
    { kind: 'delivered' },
    { kind: 'retry', dueAt: 5000, disposition: '503 Service Unavailable' },
    { kind: 'dead', reason: 'final', disposition: '400 Bad Request' },
    { kind: 'dead', reason: 'expired', disposition: 'expired' },
  ], 1000);
  // nothing counted until the outcome is written with a commit
  assert.equal(totalOf(spool, q)!.delivered, 0);
  spool.flush();
  assert.deepEqual(totalOf(spool, q), { queued: 5, delivered: 2, retried: 1, dead: 1, expired: 1 });
  spool.close();

  spool = Spool.open({ stateDir, clock });
  clock.t = 5000;
  const [again] = spool.queue(q).takeDue(100, 5000);
  assert.equal(again!.lines.length, 1);
  spool.queue(q).settle(again!, [{ kind: 'retry', dueAt: 9000, disposition: '503 Service Unavailable' }], 5000);
  spool.flush();
  const [third] = spool.queue(q).takeDue(100, 9000);
  spool.queue(q).ack([third!.rowId]);
  // the requeued dead letter is not counted as queued again: it was read once
  assert.equal(spool.requeueDead({ all: true }), 2);
  spool.flush();
  assert.deepEqual(totalOf(spool, q), { queued: 5, delivered: 3, retried: 2, dead: 1, expired: 1 });
  assert.equal(spool.queues().find((x) => x.id === q)!.dead, 0, 'dead letters now: requeued');
  assert.deepEqual(totalOf(spool, other), { queued: 2, delivered: 0, retried: 0, dead: 0, expired: 0 });
  spool.close();

  const reader = Spool.open({ stateDir, readOnly: true });
  assert.deepEqual(totalOf(reader, q), { queued: 5, delivered: 3, retried: 2, dead: 1, expired: 1 });
  reader.close();
});

test('a state dir whose queues have no lifetime columns reads as null counters and gains them when a tail opens it', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock });
  spool.commit([chunk(spool.queueId('events'), 3)], new Map([['s1', 'cp']]));
  spool.close();
  // as a format-3 file written by a loghook before the lifetime counters
  const db = new Database(join(stateDir, 'queue.db'));
  for (const c of ['queued_total', 'delivered_total', 'retried_total', 'dead_total', 'expired_total']) db.exec(`ALTER TABLE queues DROP COLUMN ${c}`);
  db.close();

  const reader = Spool.open({ stateDir, readOnly: true });
  assert.deepEqual(reader.queues().map((q) => q.total), [null, null]);
  assert.equal(reader.queues().find((q) => q.hook === 'events')!.records, 3);
  reader.close();

  const writer = Spool.open({ stateDir, clock });
  const q = writer.queueId('events');
  const [row] = writer.queue(q).takeDue(100, 1000);
  writer.queue(q).ack([row!.rowId]);
  writer.flush();
  // counted from here on: what came before is not known
  assert.deepEqual(totalOf(writer, q), { queued: 0, delivered: 3, retried: 0, dead: 0, expired: 0 });
  writer.close();
});
