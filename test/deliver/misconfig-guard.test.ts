import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MisconfigGuard } from '../../src/deliver/misconfig-guard.js';

test('a streak of identical endpoint-level final answers turns them into retries, from the threshold on, announced once', () => {
  const g = new MisconfigGuard(3);
  assert.deepEqual([404, 404, 404, 404, 404].map((s) => g.finalAnswer(s)), ['final', 'final', 'engaged', 'retry', 'retry']);
});

test('record-level final answers (400, 422) never engage it, and break a streak', () => {
  const g = new MisconfigGuard(3);
  assert.deepEqual([404, 404, 400, 404, 404, 422].map((s) => g.finalAnswer(s)), ['final', 'final', 'final', 'final', 'final', 'final']);
  assert.deepEqual([422, 422, 422, 422].map((s) => g.finalAnswer(s)), ['final', 'final', 'final', 'final']);
});

test('a different endpoint status restarts the streak; a success resets the guard', () => {
  const g = new MisconfigGuard(2);
  assert.deepEqual([401, 404, 404, 404].map((s) => g.finalAnswer(s)), ['final', 'final', 'engaged', 'retry']);
  g.success();
  assert.deepEqual([404, 404].map((s) => g.finalAnswer(s)), ['final', 'engaged']);
});
