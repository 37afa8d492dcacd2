import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadLetterStore } from '../../src/spool/dead-letter-store.js';
import { Spool } from '../../src/spool/spool.js';
import { InputError, LoghookError } from '../../src/util/errors.js';
import { allDead, chunk, SettableClock, rawRows, recordTexts, startChild, tempStateDir } from './support.js';

/** Three dead letters, died at 100, 200 and 300. */
function withDead() {
  const clock = new SettableClock(50);
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir, clock });
  spool.commit([chunk(1, { tag: 'a', firstLine: 0 }), chunk(1, { tag: 'b', firstLine: 1 }), chunk(1, { tag: 'c', firstLine: 2 })]);
  spool.takeDue(10, 50).forEach((m, i) => spool.settle(m, allDead(m, `HTTP 40${i}`), 100 * (i + 1)));
  spool.flush();
  const ids = spool.listDead({ all: true }).map((d) => d.id);
  return { clock, stateDir, spool, ids };
}

test('listDead selects by ids, by died-before, by both, or all, in id order, with a limit', () => {
  const { spool, ids } = withDead();
  const lines = (sel: Parameters<Spool['listDead']>[0]) => spool.listDead(sel).map((d) => d.line);
  assert.deepEqual(lines({ all: true }), [0, 1, 2]);
  assert.deepEqual(lines({ all: true, limit: 2 }), [0, 1]);
  assert.deepEqual(lines({ ids: [ids[2]!, ids[0]!] }), [0, 2]);
  assert.deepEqual(lines({ diedBefore: 300 }), [0, 1]);
  assert.deepEqual(lines({ ids: [ids[0]!, ids[2]!], diedBefore: 300 }), [0]);
  assert.deepEqual(lines({}), [], 'a selector without criteria selects nothing');
  spool.close();
});

test('requeueDead moves dead letters back as single-record rows due now with attempts 0', () => {
  const { clock, stateDir, spool, ids } = withDead();
  clock.t = 900;
  assert.equal(spool.requeueDead({ ids: [ids[1]!] }), 1);
  assert.deepEqual(
    rawRows(stateDir).map(({ id, ...r }) => r),
    [{ due_at: 900, created_at: 900, attempts: 0, count: 1, bytes: 4, disposition: null, body: 'b:1\n' }],
  );
  assert.deepEqual(spool.deadCount(), 2);
  assert.deepEqual(spool.counts(), { rows: 1, records: 1, bytes: 4 });
  const [m] = spool.takeDue(10, 900);
  assert.deepEqual([recordTexts(m!), [...m!.lines], m!.segmentKey], [['b:1'], [1], '0123456789abcdef']);
  spool.close();
});

test('purgeDead deletes the selected dead letters and deadCount follows', () => {
  const { spool } = withDead();
  assert.equal(spool.purgeDead({ diedBefore: 250 }), 2);
  assert.equal(spool.deadCount(), 1);
  assert.deepEqual(spool.listDead({ all: true }).map((d) => d.line), [2]);
  assert.equal(spool.purgeDead({}), 0);
  spool.close();
});

test('a requeue from another process is picked up by the running process; its claimed rows are not repeated', async () => {
  const { clock, stateDir, spool } = withDead();
  clock.t = 1000;
  spool.commit([chunk(2, { tag: 'live' })]);
  const [live] = spool.takeDue(10, 1000);
  assert.deepEqual(recordTexts(live!), ['live:0', 'live:1']);
  const child = startChild('requeue', stateDir);
  assert.deepEqual(await child.next(), { requeued: 3 });
  assert.equal((await child.exited).code, 0);
  assert.deepEqual(spool.counts(), { rows: 4, records: 5, bytes: 14 + 3 * 4 });
  assert.equal(spool.deadCount(), 0);
  const requeued = spool.takeDue(10, Date.now() + 1000);
  assert.deepEqual(requeued.flatMap((m) => recordTexts(m)), ['a:0', 'b:1', 'c:2']);
  assert.deepEqual(spool.takeDue(10, Number.MAX_SAFE_INTEGER), []);
  spool.close();
});

test('the dead-letter store works while a tail process holds the state dir', async () => {
  const { stateDir, spool } = withDead();
  spool.close();
  const holder = startChild('hold', stateDir);
  await holder.next();
  try {
    const store = DeadLetterStore.open({ stateDir });
    assert.equal(store.count(), 3);
    assert.deepEqual(store.list({ diedBefore: 150 }).map((d) => d.line), [0]);
    assert.equal(store.purge({ diedBefore: 150 }), 1);
    assert.equal(store.count(), 2);
    store.close();
  } finally {
    holder.proc.kill('SIGKILL');
    await holder.exited;
  }
});

test('the dead-letter store refuses a state dir with no queue, and a read-only spool refuses requeue', () => {
  assert.throws(() => DeadLetterStore.open({ stateDir: tempStateDir() }), InputError);
  const { stateDir, spool } = withDead();
  spool.close();
  const reader = Spool.open({ stateDir, readOnly: true });
  assert.equal(reader.listDead({ all: true }).length, 3);
  assert.throws(() => reader.requeueDead({ all: true }), (err: unknown) => err instanceof LoghookError && /read-only/.test(err.message));
  reader.close();
});
