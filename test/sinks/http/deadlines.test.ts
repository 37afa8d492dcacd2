// The HTTP client's whole-request deadlines: one timer for all of a client's requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Deadlines } from '../../../src/sinks/http/deadlines.js';

test('a deadline aborts once its time is up, and only the requests still running', async () => {
  const ds = new Deadlines(80);
  const slow = ds.start();
  const quick = ds.start();
  let aborts = 0;
  slow.once('abort', () => aborts++);
  quick.once('abort', () => assert.fail('a finished request was aborted'));
  ds.finish(quick);
  await sleep(30);
  assert.equal(slow.aborted, false, 'aborted before its time');
  const later = ds.start(); // started 30 ms after: expires 30 ms after the first
  await sleep(70);
  assert.equal(slow.aborted, true);
  assert.equal(aborts, 1);
  assert.equal(later.aborted, false, 'a deadline that started later expired with the first');
  await sleep(60);
  assert.equal(later.aborted, true);
  assert.equal(ds.size, 0);
});

test('finishing deadlines in any order leaves none behind, and a finished one never aborts', async () => {
  const ds = new Deadlines(50);
  const all = Array.from({ length: 1000 }, () => ds.start());
  // finish every other from the middle out, then the rest from the end
  for (let i = 500; i < 1000; i += 2) ds.finish(all[i]!);
  for (let i = 499; i >= 0; i -= 2) ds.finish(all[i]!);
  for (let i = 999; i >= 0; i--) ds.finish(all[i]!); // twice is harmless
  assert.equal(ds.size, 0);
  await sleep(80);
  assert.ok(all.every((d) => !d.aborted));
  // and the list still works after being emptied
  const d = ds.start();
  await sleep(80);
  assert.equal(d.aborted, true);
});
