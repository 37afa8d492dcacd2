import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MisconfigGuard } from '../../src/deliver/misconfig-guard.js';
import { sinkOutcomeOf } from '../../src/sinks/http/policy.js';

/** What the HTTP policy says of a status: its endpoint-level code, or null for one about the records. */
const level = (status: number) => sinkOutcomeOf({ kind: 'response', status, statusText: '', headers: {}, bodySnippet: '' }, undefined, 0).endpointLevel;

// regression: the first nine identical 404s went to the dead letters before the guard held the rest
test('endpoint-level answers are held from the first one; a streak is announced once, at the threshold', () => {
  const g = new MisconfigGuard(3);
  assert.deepEqual([404, 404, 404, 404, 404].map((s) => g.finalAnswer(level(s), false)), ['retry', 'retry', 'engaged', 'retry', 'retry']);
});

test('record-level final answers (400, 422) stay final and break a streak', () => {
  const g = new MisconfigGuard(3);
  assert.deepEqual([404, 404, 400, 404, 404, 422].map((s) => g.finalAnswer(level(s), false)), ['retry', 'retry', 'final', 'retry', 'retry', 'final']);
  assert.deepEqual([422, 422, 422, 422].map((s) => g.finalAnswer(level(s), false)), ['final', 'final', 'final', 'final']);
});

test('a retried record that gets a 404 while the endpoint delivers others is refused for itself', () => {
  const g = new MisconfigGuard(3);
  g.success();
  assert.equal(g.finalAnswer(404, false), 'retry', 'a first attempt is held even on a working endpoint');
  assert.equal(g.finalAnswer(404, true), 'final', 'tried before, the endpoint works: this record is the problem');
  g.failure();
  g.failure();
  assert.notEqual(g.finalAnswer(404, true), 'final', 'no success within the last 3 answers: held again');
});

test('a different endpoint status restarts the streak; a success resets the announcement', () => {
  const g = new MisconfigGuard(2);
  assert.deepEqual([401, 404, 404, 404].map((s) => g.finalAnswer(level(s), false)), ['retry', 'retry', 'engaged', 'retry']);
  g.success();
  assert.deepEqual([404, 404].map((s) => g.finalAnswer(level(s), false)), ['retry', 'engaged']);
});
