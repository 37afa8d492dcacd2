import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointBreaker } from '../../src/deliver/endpoint-breaker.js';

test('closed: full concurrency', () => {
  const b = new EndpointBreaker();
  assert.equal(b.state, 'closed');
  assert.equal(b.capacity(0, 0, 8), 8);
  assert.equal(b.capacity(0, 3, 8), 5);
  assert.equal(b.begin(0), false);
});

test('a transport error opens at once; one probe after 1 s', () => {
  const b = new EndpointBreaker({ maxIntervalMs: 60_000 });
  assert.equal(b.requestEnded(0, 'unreachable', false), 'opened');
  assert.equal(b.state, 'open');
  assert.equal(b.capacity(999, 0, 8), 0);
  assert.equal(b.nextProbeAt(), 1000);
  assert.equal(b.capacity(1000, 0, 8), 1);
  assert.equal(b.begin(1000), true);
  assert.equal(b.state, 'probing');
  assert.equal(b.capacity(5000, 1, 8), 0, 'only one probe in flight');
  assert.equal(b.nextProbeAt(), null);
});

test('5 transient responses in a row open it; a success in between resets the streak', () => {
  const b = new EndpointBreaker();
  for (let i = 0; i < 4; i++) assert.equal(b.requestEnded(i, 'transient', false), null);
  assert.equal(b.requestEnded(4, 'up', false), null);
  for (let i = 0; i < 4; i++) assert.equal(b.requestEnded(i, 'transient', false), null);
  assert.equal(b.requestEnded(10, 'transient', false), 'opened');
});

test('failed probes double the interval up to the cap', () => {
  const b = new EndpointBreaker({ initialIntervalMs: 1000, maxIntervalMs: 5000 });
  b.requestEnded(0, 'unreachable', false);
  let now = 0;
  const intervals: number[] = [];
  for (let i = 0; i < 5; i++) {
    now = b.nextProbeAt()!;
    assert.equal(b.begin(now), true);
    b.requestEnded(now, 'unreachable', true);
    intervals.push(b.nextProbeAt()! - now);
  }
  assert.deepEqual(intervals, [2000, 4000, 5000, 5000, 5000]);
});

test('failures of requests already in flight do not move the probe schedule', () => {
  const b = new EndpointBreaker();
  b.requestEnded(0, 'unreachable', false);
  b.requestEnded(10, 'unreachable', false);
  b.requestEnded(20, 'transient', false);
  assert.equal(b.nextProbeAt(), 1000);
});

test('the first success closes it and restores full concurrency', () => {
  const b = new EndpointBreaker();
  b.requestEnded(0, 'unreachable', false);
  b.begin(1000);
  assert.equal(b.requestEnded(1100, 'up', true), 'recovered');
  assert.equal(b.state, 'closed');
  assert.equal(b.capacity(1100, 0, 8), 8);
  // and it starts from the first interval again next time
  b.requestEnded(2000, 'unreachable', false);
  assert.equal(b.nextProbeAt(), 3000);
});

test('Retry-After stretches the probe interval, up to the cap', () => {
  const b = new EndpointBreaker({ maxIntervalMs: 60_000 });
  for (let i = 0; i < 4; i++) b.requestEnded(0, 'transient', false);
  b.requestEnded(0, 'transient', false, 30_000);
  assert.equal(b.nextProbeAt(), 30_000);
  b.begin(30_000);
  b.requestEnded(30_000, 'transient', true, 3_600_000);
  assert.equal(b.nextProbeAt(), 90_000);
});

test('Retry-After longer than the doubling cap is honoured up to max_retry_interval (issue 10)', () => {
  // --retry-interval 2s caps the doubling at 2 s; the receiver asked for 5 s, then for an hour
  const b = new EndpointBreaker({ maxIntervalMs: 2000, maxRetryAfterMs: 20 * 60_000 });
  assert.equal(b.requestEnded(0, 'unreachable', false, 5000), 'opened');
  assert.equal(b.nextProbeAt(), 5000);
  b.begin(5000);
  b.requestEnded(5000, 'transient', true, 5000);
  assert.equal(b.nextProbeAt(), 10_000);
  b.begin(10_000);
  b.requestEnded(10_000, 'transient', true, 3_600_000);
  assert.equal(b.nextProbeAt(), 10_000 + 20 * 60_000, 'capped by max_retry_interval');
  b.begin(b.nextProbeAt()!);
  b.requestEnded(1_210_000, 'transient', true, null);
  assert.equal(b.nextProbeAt(), 1_212_000, 'no Retry-After: the doubling schedule again');
});

test('a Retry-After on a request still in flight when the breaker opened postpones the probe', () => {
  const b = new EndpointBreaker({ maxIntervalMs: 2000, maxRetryAfterMs: 60_000 });
  b.requestEnded(0, 'unreachable', false);
  assert.equal(b.nextProbeAt(), 1000);
  b.requestEnded(10, 'transient', false, 6000);
  assert.equal(b.nextProbeAt(), 6010);
  // the Retry-After heard before the breaker opened counts too
  const c = new EndpointBreaker({ maxIntervalMs: 2000, maxRetryAfterMs: 60_000 });
  c.requestEnded(0, 'transient', false, 7000);
  c.requestEnded(5, 'unreachable', false);
  assert.equal(c.nextProbeAt(), 7000);
  // and a success forgets it
  c.begin(7000);
  c.requestEnded(7100, 'up', true);
  c.requestEnded(7200, 'unreachable', false);
  assert.equal(c.nextProbeAt(), 8200);
});

test('a probe never exceeds the concurrency', () => {
  const b = new EndpointBreaker();
  b.requestEnded(0, 'unreachable', false);
  assert.equal(b.capacity(5000, 2, 2), 0);
  assert.equal(b.capacity(5000, 1, 2), 1);
});
