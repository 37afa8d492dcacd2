import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expiresAt, parseRetryAfter, retryDelayMs, retryDueAts } from '../../src/deliver/backoff.js';
import { seededRandom } from '../helpers/manual-clock.js';

const mid = () => 0.5; // no jitter

test('the wait is retry_interval doubled per attempt, capped by max_retry_interval (KumoMTA defaults)', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 100].map((n) => retryDelayMs(n, {}, mid)),
    [60_000, 120_000, 240_000, 480_000, 960_000, 1_200_000, 1_200_000, 1_200_000],
  );
  assert.equal(retryDelayMs(3, { retryIntervalMs: 1000, maxRetryIntervalMs: 3000 }, mid), 3000);
});

test('jitter stays within +-20% and differs per draw', () => {
  const random = seededRandom(7);
  const waits = Array.from({ length: 1000 }, () => retryDelayMs(1, {}, random));
  assert.ok(Math.min(...waits) >= 48_000 && Math.max(...waits) <= 72_000);
  assert.ok(new Set(waits).size > 900);
  assert.equal(retryDelayMs(1, {}, () => 0), 48_000);
  assert.equal(retryDelayMs(1, {}, () => 1), 72_000);
});

test('each record of a failed batch gets its own due time', () => {
  const dueAts = retryDueAts(10, 1, 1000, {}, seededRandom(1), null);
  assert.equal(new Set(dueAts).size, 10);
  for (const d of dueAts) assert.ok(d >= 1000 + 48_000 && d <= 1000 + 72_000);
});

test('Retry-After is a floor for every record', () => {
  const dueAts = retryDueAts(5, 1, 0, {}, seededRandom(1), 300_000);
  assert.deepEqual(dueAts, [300_000, 300_000, 300_000, 300_000, 300_000]);
  const low = retryDueAts(5, 1, 0, {}, seededRandom(1), 1000);
  for (const d of low) assert.ok(d >= 48_000);
});

test('parseRetryAfter reads delta-seconds and HTTP-dates', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 12:01:30 GMT', now), 90_000);
  assert.equal(parseRetryAfter('Wed, 01 Jan 2025 11:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter(['30'], now), 30_000);
});

test('parseRetryAfter ignores what it cannot read', () => {
  for (const v of [undefined, '', 'soon', '-5', '1.5', '12abc']) assert.equal(parseRetryAfter(v, 0), null, String(v));
});

test('a message expires max_age after it was queued, 7 days unless given', () => {
  const day = 86_400_000;
  assert.equal(expiresAt(1000, 2 * day), 1000 + 2 * day);
  assert.equal(expiresAt(1000), 1000 + 7 * day);
});
