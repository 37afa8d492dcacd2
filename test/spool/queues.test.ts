// Several queues in one state dir (format 3): one per hook and endpoint, each handed out in its
// own due order, the records' bytes stored once however many queues take them.
import assert from 'node:assert/strict';
import { statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import { DeadLetterStore } from '../../src/spool/dead-letter-store.js';
import { recordBytes, type QueuedRow } from '../../src/spool/types.js';
import { SettableClock, pickChunk, region, tempStateDir } from './support.js';

const texts = (m: QueuedRow) => Array.from(m.lines, (_, i) => recordBytes(m, i).toString().trim());
const bodyFileBytes = (stateDir: string) =>
  readdirSync(join(stateDir, 'bodies')).reduce((n, f) => n + statSync(join(stateDir, 'bodies', f)).size, 0);

test('queues of several hooks take their own records from one region, stored once', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock });
  const all = spool.queueId('all');
  const odd = spool.queueId('odd');
  const tenantA = spool.queueId('tenants', 'https://a.example/hook');
  assert.equal(new Set([all, odd, tenantA, spool.queueId('default')]).size, 4);
  assert.equal(spool.queueId('odd'), odd, 'the same hook and endpoint is the same queue');
  const r = region('x', 6);
  spool.commit([pickChunk(all, r, [0, 1, 2, 3, 4, 5]), pickChunk(odd, r, [1, 3, 5]), pickChunk(tenantA, r, [4])], new Map([['s1', 'cp']]));
  // one copy of the region on disk, not one per queue
  assert.equal(bodyFileBytes(stateDir), r.body.length);
  assert.deepEqual(spool.queue(odd).takeDue(100, 1000).flatMap(texts), ['{"r":"x:1"}', '{"r":"x:3"}', '{"r":"x:5"}']);
  assert.deepEqual(spool.queue(tenantA).takeDue(100, 1000).flatMap(texts), ['{"r":"x:4"}']);
  assert.equal(spool.queue(spool.queueId('default')).takeDue(100, 1000).length, 0);
  const byId = new Map(spool.queues().map((q) => [q.id, q]));
  assert.deepEqual([byId.get(all)!.records, byId.get(odd)!.records, byId.get(tenantA)!.records], [6, 3, 1]);
  assert.equal(spool.counts().records, 10);
  spool.close();

  // after a restart the rows come back from the body file, each queue its own records
  const again = Spool.open({ stateDir, clock });
  assert.deepEqual(again.queue(odd).takeDue(100, 1000).flatMap(texts), ['{"r":"x:1"}', '{"r":"x:3"}', '{"r":"x:5"}']);
  assert.deepEqual(again.queue(all).takeDue(100, 1000).flatMap(texts), Array.from({ length: 6 }, (_, i) => `{"r":"x:${i}"}`));
  again.close();
});

test('the body file goes only once the last queue referring to it is done', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock });
  const a = spool.queueId('a');
  const b = spool.queueId('b');
  const r = region('y', 4);
  spool.commit([pickChunk(a, r, [0, 1, 2, 3]), pickChunk(b, r, [0, 2])]);
  const [ra] = spool.queue(a).takeDue(100, 1000);
  spool.queue(a).ack([ra!.rowId]);
  spool.flush();
  assert.equal(bodyFileBytes(stateDir), r.body.length, 'queue b still needs the bytes');
  const [rb] = spool.queue(b).takeDue(100, 1000);
  assert.deepEqual(texts(rb!), ['{"r":"y:0"}', '{"r":"y:2"}']);
  spool.queue(b).ack([rb!.rowId]);
  spool.flush();
  spool.close();
  assert.deepEqual(readdirSync(join(stateDir, 'bodies')), []);
});

test('a retry stays in its queue and points at its own record in the shared region; a down queue holds up no other', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock });
  const down = spool.queueId('t', 'https://down.example/');
  const up = spool.queueId('t', 'https://up.example/');
  const r = region('z', 4);
  spool.commit([pickChunk(down, r, [0, 2]), pickChunk(up, r, [1, 3])]);
  const [d] = spool.queue(down).takeDue(100, 1000);
  spool.queue(down).settle(d!, [{ kind: 'retry', dueAt: 60_000, disposition: '503' }, { kind: 'dead', reason: 'final', disposition: '400' }], 1000);
  spool.flush();
  assert.equal(spool.queue(down).nextDueAt(), 60_000);
  const [u] = spool.queue(up).takeDue(100, 1000);
  assert.deepEqual(texts(u!), ['{"r":"z:1"}', '{"r":"z:3"}']);
  spool.queue(up).ack([u!.rowId]);
  spool.flush();
  const queues = new Map(spool.queues().map((q) => [q.id, q]));
  assert.deepEqual([queues.get(down)!.records, queues.get(down)!.dead, queues.get(up)!.records], [1, 1, 0]);
  const [retry] = spool.queue(down).takeDue(100, 60_000);
  assert.deepEqual(texts(retry!), ['{"r":"z:0"}']);
  assert.equal(retry!.starts, null);
  assert.equal(retry!.attempts, 1);
  spool.close();
});

test('dead letters remember their queue: listed, requeued and purged per queue', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock });
  const a = spool.queueId('a');
  const b = spool.queueId('b');
  const r = region('d', 2);
  spool.commit([pickChunk(a, r, [0]), pickChunk(b, r, [1])]);
  for (const q of [a, b]) {
    const [m] = spool.queue(q).takeDue(10, 1000);
    spool.queue(q).settle(m!, [{ kind: 'dead', reason: 'final', disposition: '400 Bad Request' }], 1000);
  }
  spool.close();
  const store = DeadLetterStore.open({ stateDir, clock });
  assert.deepEqual(store.list({ queueIds: [b], all: true }).map((d) => [d.queueId, d.record.toString().trim()]), [[b, '{"r":"d:1"}']]);
  assert.equal(store.requeue({ queueIds: [b], all: true }), 1);
  assert.equal(store.purge({ queueIds: [a], all: true }), 1);
  assert.equal(store.count(), 0);
  const queues = new Map(store.queues().map((q) => [q.id, q]));
  assert.deepEqual([queues.get(a)!.dead, queues.get(b)!.dead, queues.get(b)!.records], [0, 0, 1]);
  store.close();
  const again = Spool.open({ stateDir, clock });
  assert.equal(again.queue(a).takeDue(10, 1000).length, 0);
  assert.deepEqual(again.queue(b).takeDue(10, 1000).flatMap(texts), ['{"r":"d:1"}']);
  again.close();
});

test('a row spread thin over a shared region holds only its own bytes, in memory and read back from disk', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock });
  const all = spool.queueId('all');
  const sparse = spool.queueId('tenants', 'https://t7.example/hook');
  const r = region('y', 40);
  const picks = [3, 17, 18, 31];
  const mine = picks.reduce((n, p) => n + r.ends[p]! - r.starts[p]!, 0);
  spool.commit([pickChunk(all, r, Array.from({ length: 40 }, (_, i) => i)), pickChunk(sparse, r, picks)], new Map([['s1', 'cp']]));
  const [fresh] = spool.queue(sparse).takeDue(100, 1000);
  assert.equal(fresh!.body.length, mine, 'kept in memory as a copy of its records, not a view of the whole region');
  assert.deepEqual(texts(fresh!), picks.map((p) => `{"r":"y:${p}"}`));
  spool.close();

  const again = Spool.open({ stateDir, clock });
  const [disk] = again.queue(sparse).takeDue(100, 1000);
  assert.equal(disk!.body.length, mine, 'read back: only its runs of the region');
  assert.equal(disk!.starts, null, 'laid back to back');
  assert.deepEqual(texts(disk!), picks.map((p) => `{"r":"y:${p}"}`));
  again.close();
});
