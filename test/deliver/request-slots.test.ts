import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestSlots, type SlotWaiter } from '../../src/deliver/request-slots.js';
import { ManualClock } from '../helpers/manual-clock.js';

/** A waiter that counts its wakes. */
function waiter(name: string, log: string[]): SlotWaiter & { wakes: number } {
  const w = { wakes: 0, wake: () => { w.wakes++; log.push(name); } };
  return w;
}

test('a hook\'s slots go to waiting endpoints in the order they asked, one each', () => {
  const clock = new ManualClock();
  const slots = new RequestSlots(2, clock);
  const log: string[] = [];
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => waiter(n, log));
  const s1 = slots.take(a!)!;
  const s2 = slots.take(b!)!;
  assert.ok(s1 && s2, 'two free slots');
  assert.equal(slots.take(c!), null, 'c waits');
  assert.equal(slots.take(d!), null, 'd waits');
  assert.equal(slots.take(a!), null, 'a, already holding one, queues behind them');
  assert.equal(slots.take(c!), null, 'asking again does not jump the queue');
  s1.release();
  assert.deepEqual(log, ['c'], 'the freed slot is set aside for the longest waiter');
  assert.equal(slots.take(d!), null, 'd cannot take what was set aside for c');
  assert.ok(slots.take(c!), 'c takes its slot');
  s2.release();
  s2.release(); // a second release is a no-op
  assert.deepEqual(log, ['c', 'd']);
  assert.ok(slots.take(d!));
  assert.equal(slots.busy, 2);
});

test('a waiter that no longer needs its slot passes it on, and one that stops leaves the queue', () => {
  const clock = new ManualClock();
  const slots = new RequestSlots(1, clock);
  const log: string[] = [];
  const [a, b, c] = ['a', 'b', 'c'].map((n) => waiter(n, log));
  const s = slots.take(a!)!;
  slots.take(b!);
  slots.take(c!);
  slots.leave(b!);
  s.release();
  assert.deepEqual(log, ['c'], 'b left: c is next');
  slots.decline(c!);
  assert.ok(slots.take(a!), 'c declined: the slot is free again');
});

test('a request in flight past the slow limit gives its slot back to those waiting', () => {
  const clock = new ManualClock();
  const slots = new RequestSlots(1, clock, 1000);
  const log: string[] = [];
  const [slow, next] = ['slow', 'next'].map((n) => waiter(n, log));
  const held = slots.take(slow!)!;
  assert.equal(slots.take(next!), null);
  clock.advance(900);
  assert.deepEqual(log, [], 'not slow yet');
  clock.advance(400);
  assert.deepEqual(log, ['next'], 'slow request gave its slot back');
  assert.ok(slots.take(next!));
  held.release(); // the slow request ends later: nothing is freed twice
  assert.equal(slots.busy, 1);
  assert.equal(slots.take(slow!), null, 'the one slot is taken by next');
});
