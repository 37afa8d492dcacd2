import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MisconfigGuard } from '../../src/deliver/misconfig-guard.js';
import { sinkOutcomeOf } from '../../src/sinks/http/policy.js';

/** What the HTTP policy says of a status: its endpoint-level code, or null for one about the records. */
const level = (status: number) => sinkOutcomeOf({ kind: 'response', status, statusText: '', headers: {}, bodySnippet: '' }, undefined, 0).endpointLevel;

test('a streak of identical endpoint-level final answers turns them into retries, from the threshold on, announced once', () => {
  const g = new MisconfigGuard(3);
  assert.deepEqual([404, 404, 404, 404, 404].map((s) => g.finalAnswer(level(s))), ['final', 'final', 'engaged', 'retry', 'retry']);
});

test('record-level final answers (400, 422) never engage it, and break a streak', () => {
  const g = new MisconfigGuard(3);
  assert.deepEqual([404, 404, 400, 404, 404, 422].map((s) => g.finalAnswer(level(s))), ['final', 'final', 'final', 'final', 'final', 'final']);
  assert.deepEqual([422, 422, 422, 422].map((s) => g.finalAnswer(level(s))), ['final', 'final', 'final', 'final']);
});

test('a different endpoint status restarts the streak; a success resets the guard', () => {
  const g = new MisconfigGuard(2);
  assert.deepEqual([401, 404, 404, 404].map((s) => g.finalAnswer(level(s))), ['final', 'final', 'engaged', 'retry']);
  g.success();
  assert.deepEqual([404, 404].map((s) => g.finalAnswer(level(s))), ['final', 'engaged']);
});
