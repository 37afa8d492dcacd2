import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BodyPool } from '../../src/deliver/body-pool.js';
import { bodyFromSlices } from '../../src/deliver/batch-body.js';

test('a released body buffer is handed out again for a body of similar size', () => {
  const pool = new BodyPool(2);
  const a = pool.acquire(100_000);
  assert.equal(a.length, 100_000);
  a.fill(1);
  pool.release(a);
  const b = pool.acquire(90_000);
  assert.equal(b.length, 90_000);
  assert.equal(b.buffer, a.buffer, 'the same memory');
  const c = pool.acquire(90_000);
  assert.notEqual(c.buffer, a.buffer, 'one buffer is not handed out twice');
});

test('the pool keeps at most perSize buffers of a size, and ignores buffers it did not make', () => {
  const pool = new BodyPool(1);
  const a = pool.acquire(5000);
  const b = pool.acquire(5000);
  pool.release(a);
  pool.release(b);
  pool.release(Buffer.alloc(5000));
  const first = pool.acquire(5000);
  const second = pool.acquire(5000);
  assert.equal(first.buffer, a.buffer);
  assert.notEqual(second.buffer, b.buffer);
});

test('an array body built in a pooled buffer is exactly the records joined', () => {
  const pool = new BodyPool(1);
  const body = Buffer.from('{"a":1}\n{"b":2}\n');
  const msg = { body, ends: Uint32Array.of(8, 16), starts: null };
  pool.release(pool.acquire(100).fill(0x78)); // a dirty buffer comes back
  const out = bodyFromSlices([{ msg, from: 0, to: 2 }], 'array', (n) => pool.acquire(n));
  assert.equal(out.body.toString(), '[{"a":1},{"b":2}]');
});
