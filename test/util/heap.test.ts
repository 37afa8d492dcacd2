import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { capYoungGeneration } from '../../src/util/heap.js';

const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;

test('once the young generation reached the cap it grows no further (uncapped it grows to 32 MiB here)', async () => {
  const cap = 2;
  const capper = capYoungGeneration(cap, 5);
  await new Promise((r) => setTimeout(r, 30));
  const keep: object[] = [];
  for (let i = 0; i < 3e6; i++) {
    const o = { i, s: `x${i}` };
    if (i % 50 === 0) keep.push(o); // some survive: without the cap the new space would grow
  }
  capper.stop();
  assert.ok(newSpace() <= 2 * cap * 1024 * 1024, `new space ${newSpace()} bytes`);
  assert.ok(keep.length > 0);
});

test('check() holds the cap from a busy loop that no timer interrupts', () => {
  const cap = 8;
  assert.ok(newSpace() < cap * 1024 * 1024, `new space ${newSpace()} bytes at the start`);
  const capper = capYoungGeneration(cap, 1e9); // the timer never fires during the loop
  const keep: object[] = [];
  for (let i = 0; i < 6e6; i++) {
    const o = { i, s: `x${i}` };
    if (i % 50 === 0) keep.push(o);
    if (i % 20_000 === 0) capper.check();
  }
  capper.stop();
  assert.ok(newSpace() <= 2 * cap * 1024 * 1024, `new space ${newSpace()} bytes`);
  assert.ok(keep.length > 0);
});
