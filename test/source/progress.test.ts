import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamProgress } from '../../src/source/progress.js';

test('in the common case the checkpoint is kumod-like: the oldest open segment and its line', () => {
  const p = new StreamProgress();
  p.setLines('A', 10);
  p.markDone('A');
  p.setLines('B', 42);
  assert.deepEqual(p.head(), { segment: 'B', line: 42 });
  assert.deepEqual(p.toJSON(), { v: 1, done_through: 'A', open: { B: 42 }, done: [] });
  assert.ok(p.isConsumed('A') && !p.isConsumed('B'));
});

test('a segment finished above a still-open older one waits in `done` until the watermark passes it', () => {
  const p = new StreamProgress();
  p.setLines('A', 5);
  p.setLines('B', 0);
  p.markDone('B');
  assert.deepEqual(p.toJSON(), { v: 1, done_through: null, open: { A: 5 }, done: ['B'] });
  assert.ok(p.isConsumed('B'));
  p.markDone('A');
  assert.deepEqual(p.toJSON(), { v: 1, done_through: 'B', open: {}, done: [] });
});

test('a checkpoint survives a round trip through its JSON text', () => {
  const p = new StreamProgress();
  p.setLines('A', 3);
  p.setLines('C', 9);
  p.markDone('C');
  const q = StreamProgress.parse(JSON.stringify(p.toJSON()));
  assert.deepEqual(q.toJSON(), p.toJSON());
  assert.equal(q.startLine('A'), 3);
  assert.throws(() => StreamProgress.parse('{"v":2,"done_through":null,"open":{},"done":[]}'), /unsupported checkpoint format 2/);
});
