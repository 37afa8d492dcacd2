import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, seededRandom } from './manual-clock.js';

test('ManualClock: time moves only on advance/set, and sleeps resolve when it passes their deadline', async () => {
  const c = new ManualClock(1000);
  const woke: string[] = [];
  void c.sleep(500).then(() => woke.push('a'));
  void c.sleep(200).then(() => woke.push('b'));
  assert.equal(c.now(), 1000);
  assert.equal(c.nextDeadline(), 1200);
  c.advance(199);
  await Promise.resolve();
  assert.deepEqual(woke, []);
  c.set(1500);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(woke, ['b', 'a']);
  assert.equal(c.sleeping, 0);
  assert.throws(() => c.set(1499));
});

test('ManualClock: an aborted sleep rejects with an AbortError', async () => {
  const c = new ManualClock();
  const ac = new AbortController();
  const p = c.sleep(1000, ac.signal);
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
  assert.equal(c.sleeping, 0);
  await assert.rejects(c.sleep(5, ac.signal), { name: 'AbortError' });
});

test('seededRandom: the same seed gives the same sequence in [0, 1)', () => {
  const a = seededRandom(5);
  const b = seededRandom(5);
  const xs = Array.from({ length: 100 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 100 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, seededRandom(6)));
});
