import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MisconfigGuard } from '../../src/deliver/misconfig-guard.js';

test('a streak of identical endpoint-level final answers turns them into retries, from the threshold on', () => {
  const g = new MisconfigGuard(3);
  assert.deepEqual([404, 404, 404, 404].map((s) => g.finalAnswer(s)), [false, false, true, true]);
  assert.equal(g.engaged, true);
});

test('record-level final answers (400, 422) never engage it, and break a streak', () => {
  const g = new MisconfigGuard(3);
  assert.deepEqual([404, 404, 400, 404, 404, 422].map((s) => g.finalAnswer(s)), [false, false, false, false, false, false]);
  assert.deepEqual([422, 422, 422, 422].map((s) => g.finalAnswer(s)), [false, false, false, false]);
});

test('a different endpoint status restarts the streak; a success resets the guard', () => {
  const g = new MisconfigGuard(2);
  assert.deepEqual([401, 404, 404].map((s) => g.finalAnswer(s)), [false, false, true]);
  assert.equal(g.success(), true);
  assert.equal(g.engaged, false);
  assert.equal(g.finalAnswer(404), false);
});
