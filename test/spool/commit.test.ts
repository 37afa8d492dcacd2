import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import type { ChunkInput } from '../../src/spool/types.js';
import { allRetried, chunk, SettableClock, rawRows, recordTexts, tempStateDir } from './support.js';

test('commit returns the new rows with their records, due and created now, attempts 0', () => {
  const clock = new SettableClock(5000);
  const spool = Spool.open({ stateDir: tempStateDir(), clock });
  const [a, b] = spool.commit([chunk(2, { tag: 'a', firstLine: 7 }), chunk(1, { tag: 'b', firstLine: 9 })]);
  assert.ok(a && b);
  assert.equal(b.rowId, a.rowId + 1);
  assert.deepEqual(
    { ...a, body: recordTexts(a), lines: [...a.lines], ends: [...a.ends] },
    {
      rowId: a.rowId,
      queueId: 1,
      stream: 's1',
      segment: 'seg-1',
      segmentKey: '0123456789abcdef',
      lines: [7, 8],
      body: ['a:7', 'a:8'],
      ends: [4, 8],
      starts: null,
      createdAt: 5000,
      attempts: 0,
      dueAt: 5000,
      disposition: null,
    },
  );
  spool.close();
});

test('committed rows keep their bytes, lines and ends exactly across a reopen', () => {
  const stateDir = tempStateDir();
  const input = chunk(3, { tag: 'x', firstLine: 100, size: 50 });
  let spool = Spool.open({ stateDir });
  spool.commit([input]);
  spool.close();
  spool = Spool.open({ stateDir });
  const [m] = spool.takeDue(100, Date.now());
  assert.ok(m);
  assert.deepEqual(m.body, input.body);
  assert.deepEqual([...m.lines], input.lines);
  assert.deepEqual([...m.ends], input.ends);
  spool.close();
});

test('checkpoints committed with the rows load back after a reopen, one value per stream', () => {
  const stateDir = tempStateDir();
  let spool = Spool.open({ stateDir });
  assert.deepEqual(spool.loadCheckpoints(), new Map());
  spool.commit([chunk(1)], new Map([['s1', '{"line":1}'], ['s2', '{"line":5}']]));
  spool.commit([chunk(1)], new Map([['s1', '{"line":2}']]));
  spool.close();
  spool = Spool.open({ stateDir });
  assert.deepEqual(spool.loadCheckpoints(), new Map([['s1', '{"line":2}'], ['s2', '{"line":5}']]));
  spool.close();
});

test('a commit is on disk when it returns: another connection sees the rows and the checkpoint', () => {
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir });
  spool.commit([chunk(2, { tag: 'd' })], new Map([['s1', 'cp']]));
  assert.deepEqual(rawRows(stateDir).map((r) => r.body), ['d:0\nd:1\n']);
  const reader = Spool.open({ stateDir, readOnly: true });
  assert.deepEqual(reader.loadCheckpoints(), new Map([['s1', 'cp']]));
  reader.close();
  spool.close();
});

test('a commit that fails part way writes nothing: no rows, no checkpoint, counters unchanged', () => {
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir });
  spool.commit([chunk(1)], new Map([['s1', 'one']]));
  const broken = { ...chunk(1), body: undefined } as unknown as ChunkInput;
  assert.throws(() => spool.commit([chunk(2), broken], new Map([['s1', 'two']])));
  assert.equal(rawRows(stateDir).length, 1);
  assert.deepEqual(spool.loadCheckpoints(), new Map([['s1', 'one']]));
  assert.deepEqual(spool.counts(), { rows: 1, records: 1, bytes: 4 });
  spool.close();
});

test('counts follow commits, scatters and acks: rows, records and body bytes', () => {
  const spool = Spool.open({ stateDir: tempStateDir() });
  assert.deepEqual(spool.counts(), { rows: 0, records: 0, bytes: 0 });
  spool.commit([chunk(3, { size: 10 }), chunk(2, { size: 10 })]);
  assert.deepEqual(spool.counts(), { rows: 2, records: 5, bytes: 50 });
  const [three, two] = spool.takeDue(100, Date.now());
  spool.settle(three!, allRetried([1, 2, 3], 'HTTP 503'), 0);
  spool.ack([two!.rowId]);
  assert.deepEqual(spool.counts(), { rows: 2, records: 5, bytes: 50 }, 'outcomes are buffered');
  spool.flush();
  assert.deepEqual(spool.counts(), { rows: 3, records: 3, bytes: 30 });
  spool.close();
});

test('a commit with no chunks still writes the checkpoints and the buffered outcomes', () => {
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir });
  spool.commit([chunk(1)]);
  const [m] = spool.takeDue(10, Date.now());
  spool.ack([m!.rowId]);
  spool.commit([], new Map([['s1', 'moved']]));
  assert.deepEqual(rawRows(stateDir), []);
  assert.deepEqual(spool.loadCheckpoints(), new Map([['s1', 'moved']]));
  spool.close();
});
