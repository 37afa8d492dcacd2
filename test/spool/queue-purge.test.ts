// Spool.purgeQueues (issue 6): a removed hook's queues go whole, rows, dead letters and counters,
// and a body file goes with them only when no other queue's row still lives in it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import { checkState } from '../../src/spool/state-check.js';
import { allDead, assertLedgerMatchesRows, bodyFilePath, SettableClock, pickChunk, rawFiles, region, tempStateDir } from './support.js';

const bodyFiles = (stateDir: string) => (existsSync(join(stateDir, 'bodies')) ? readdirSync(join(stateDir, 'bodies')).sort() : []);

test('purging one hook of two that share a body file keeps the file for the other, with exact counters', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock });
  const gone = spool.queueId('gone');
  const goneRoute = spool.queueId('gone', 'route:t1');
  const kept = spool.queueId('kept');
  const r = region('x', 8);
  spool.commit([pickChunk(gone, r, [0, 1, 2, 3]), pickChunk(goneRoute, r, [4, 5]), pickChunk(kept, r, [1, 3, 5, 7])], new Map([['s1', 'cp']]));
  // one of the removed hook's records died
  const [row] = spool.queue(goneRoute).takeDue(100, 1000);
  spool.settle(row!, allDead(row!, '500 no'), 1000);
  spool.flush();
  spool.close();

  const again = Spool.open({ stateDir, clock });
  const purged = again.purgeQueues([gone, goneRoute]);
  assert.deepEqual(purged, { rows: 1, records: 4, deadLetters: 2 });
  assert.deepEqual(again.queues().map((q) => q.hook).filter((h) => h !== 'default'), ['kept'], 'the queues went too');
  assert.deepEqual(again.counts(), { rows: 1, records: 4, bytes: r.ends[7]! - r.starts[1]! });
  assert.equal(again.status(1000).deadCount, 0);
  // the other hook's row still reads its records from the shared file
  const [k] = again.queue(kept).takeDue(100, 1000);
  assert.deepEqual(Array.from(k!.lines), [1, 3, 5, 7]);
  again.queue(kept).ack([k!.rowId]);
  again.flush();
  assert.deepEqual(rawFiles(stateDir), [], 'the file went with the last row living in it');
  again.close();
  assert.deepEqual(bodyFiles(stateDir), [], 'and is gone from disk, no spare left behind');
  assert.equal(checkState(stateDir).ok, true);
});

test('purging the only hook whose rows live in a body file deletes the file and its ledger row', () => {
  const stateDir = tempStateDir();
  const clock = new SettableClock(1000);
  const spool = Spool.open({ stateDir, clock });
  const gone = spool.queueId('gone');
  const kept = spool.queueId('kept');
  spool.commit([pickChunk(gone, region('a', 5), [0, 1, 2, 3, 4])], new Map([['s1', 'cp1']]));
  spool.commit([pickChunk(kept, region('b', 3), [0, 1, 2])], new Map([['s1', 'cp2']]));
  spool.close();
  assert.equal(rawFiles(stateDir).length, 1, 'both commits appended to one file');

  const again = Spool.open({ stateDir, clock });
  assert.deepEqual(again.purgeQueues([gone]), { rows: 1, records: 5, deadLetters: 0 });
  assert.ok(existsSync(bodyFilePath(stateDir, 1)), "the file holds the kept hook's row too");
  assertLedgerMatchesRows(stateDir);
  assert.deepEqual(rawFiles(stateDir), [{ id: 1, live_rows: 1, bytes: region('b', 3).body.length }]);
  again.close();

  // now alone in a file of its own
  const third = Spool.open({ stateDir, clock });
  third.commit([pickChunk(third.queueId('gone'), region('c', 2), [0, 1])], new Map([['s1', 'cp3']]));
  const files = rawFiles(stateDir).map((f) => f.id);
  assert.equal(files.length, 2, 'a new process appends to a new file');
  const regone = third.queues().find((q) => q.hook === 'gone')!;
  assert.notEqual(regone.id, gone, 'a purged queue id is never given out again');
  third.close();
  const fourth = Spool.open({ stateDir, clock });
  assert.deepEqual(fourth.purgeQueues([regone.id]), { rows: 1, records: 2, deadLetters: 0 });
  fourth.close();
  assert.deepEqual(bodyFiles(stateDir), ['1.dat'], 'its file is deleted, no spare left behind');
  assertLedgerMatchesRows(stateDir);
  assert.equal(checkState(stateDir).ok, true);
});

test('a queue this process delivers from cannot be purged', () => {
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir, clock: new SettableClock(1000) });
  const q = spool.queueId('live');
  spool.commit([pickChunk(q, region('a', 2), [0, 1])], new Map([['s1', 'cp']]));
  spool.queue(q).takeDue(10, 1000);
  assert.throws(() => spool.purgeQueues([q]), /being delivered from/);
  assert.equal(spool.counts().records, 2);
  spool.close();
});
