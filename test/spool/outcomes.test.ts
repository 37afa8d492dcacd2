import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import { allDead, allRetried, chunk, SettableClock, rawRows, recordTexts, tempStateDir } from './support.js';

function setup(records = 1) {
  const clock = new SettableClock(1000);
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir, clock });
  spool.commit([chunk(records, { tag: 'm', size: 6 })]);
  const [msg] = spool.takeDue(100, 1000);
  assert.ok(msg);
  return { clock, stateDir, spool, msg };
}

test('ack is buffered: the row stays on disk until the next commit or flush', () => {
  const { stateDir, spool, msg } = setup();
  spool.ack([msg.rowId]);
  assert.equal(rawRows(stateDir).length, 1);
  spool.flush();
  assert.deepEqual(rawRows(stateDir), []);
  spool.close();
});

test('acks ride along with the next commit, in its single transaction', () => {
  const { stateDir, spool, msg } = setup();
  spool.ack([msg.rowId]);
  spool.commit([chunk(1, { tag: 'next' })]);
  assert.deepEqual(rawRows(stateDir).map((r) => r.body), ['next:0\n']);
  spool.close();
});

test('close writes the outcomes still buffered', () => {
  const { stateDir, spool, msg } = setup();
  spool.ack([msg.rowId]);
  spool.close();
  assert.deepEqual(rawRows(stateDir), []);
});

test('settle retrying a single-record row updates it in place: same id, attempts + 1, disposition, new due time', () => {
  const { stateDir, spool, msg } = setup();
  spool.settle(msg, allRetried([4000], 'HTTP 503 Service Unavailable: busy'), 1000);
  spool.flush();
  assert.deepEqual(rawRows(stateDir), [
    { id: msg.rowId, due_at: 4000, created_at: 1000, attempts: 1, count: 1, bytes: 6, disposition: 'HTTP 503 Service Unavailable: busy', body: 'm:0..\n' },
  ]);
  const [again] = spool.takeDue(100, 4000);
  assert.equal(again?.attempts, 1);
  assert.equal(again?.disposition, 'HTTP 503 Service Unavailable: busy');
  spool.close();
});

test('settle retrying every record of a row scatters it: one row per record, each due at its own time, created_at kept', () => {
  const { clock, stateDir, spool, msg } = setup(3);
  clock.t = 2000;
  spool.settle(msg, allRetried([5000, 3000, 4000], 'connect ECONNREFUSED'), 2000);
  spool.flush();
  const rows = rawRows(stateDir);
  assert.deepEqual(
    rows.map(({ id, ...r }) => r),
    [
      { due_at: 5000, created_at: 1000, attempts: 1, count: 1, bytes: 6, disposition: 'connect ECONNREFUSED', body: 'm:0..\n' },
      { due_at: 3000, created_at: 1000, attempts: 1, count: 1, bytes: 6, disposition: 'connect ECONNREFUSED', body: 'm:1..\n' },
      { due_at: 4000, created_at: 1000, attempts: 1, count: 1, bytes: 6, disposition: 'connect ECONNREFUSED', body: 'm:2..\n' },
    ],
  );
  assert.ok(rows.every((r) => r.id > msg.rowId));
  // Each record keeps its line index, and they come due one by one.
  const order = [3000, 4000, 5000].map((t) => spool.takeDue(100, t).map((m) => [recordTexts(m)[0], m.lines[0], m.ends[0]]));
  assert.deepEqual(order, [[['m:1', 1, 6]], [['m:2', 2, 6]], [['m:0', 0, 6]]]);
  spool.close();
});

test('settle with a result count other than the record count throws RangeError', () => {
  const { spool, msg } = setup(3);
  assert.throws(() => spool.settle(msg, allRetried([1, 2], 'x'), 0), RangeError);
  spool.close();
});

test('settle with every record dead writes one dead letter per record and removes the row', () => {
  const { clock, stateDir, spool, msg } = setup(2);
  clock.t = 7000;
  spool.settle(msg, allDead(msg, 'HTTP 400 Bad Request'), 7000);
  spool.flush();
  assert.deepEqual(rawRows(stateDir), []);
  assert.deepEqual(spool.counts(), { rows: 0, records: 0, bytes: 0 });
  assert.equal(spool.deadCount(), 2);
  const dead = spool.listDead({ all: true });
  assert.deepEqual(
    dead.map(({ id, ...d }) => ({ ...d, record: d.record.toString() })),
    [0, 1].map((line) => ({
      queueId: 1,
      eventId: `0123456789abcdef-${line}`,
      stream: 's1',
      segment: 'seg-1',
      line,
      record: `m:${line}..\n`,
      createdAt: 1000,
      diedAt: 7000,
      attempts: 1,
      disposition: 'HTTP 400 Bad Request',
      reason: 'final',
    })),
  );
  spool.close();
});

test('an expired record is buried without counting a new attempt', () => {
  const { spool, msg } = setup();
  spool.settle(msg, allDead(msg, 'not delivered within --max-age 7d', 'expired'), 9000);
  spool.flush();
  const [d] = spool.listDead({ all: true });
  assert.deepEqual([d?.reason, d?.attempts, d?.disposition], ['expired', 0, 'not delivered within --max-age 7d']);
  spool.close();
});

test('noteEndpoint keeps the last error and the last success of each URL, written with the next flush', () => {
  const { spool } = setup();
  spool.noteEndpoint('https://a.example/hook', { error: 'HTTP 500' }, 100);
  spool.noteEndpoint('https://a.example/hook', { ok: true }, 200);
  spool.noteEndpoint('https://b.example/hook', { ok: true }, 150);
  assert.deepEqual(spool.endpoints(), []);
  spool.flush();
  spool.noteEndpoint('https://a.example/hook', { error: 'timeout' }, 300);
  spool.noteEndpoint('https://b.example/hook', { ok: true }, 310);
  spool.flush();
  assert.deepEqual(spool.endpoints(), [
    { url: 'https://a.example/hook', lastError: 'timeout', lastErrorAt: 300, lastSuccessAt: 200 },
    { url: 'https://b.example/hook', lastError: null, lastErrorAt: null, lastSuccessAt: 310 },
  ]);
  spool.close();
});

test('settle with mixed results: delivered records go, each retry becomes its own row, dead ones dead letters', () => {
  const { clock, stateDir, spool, msg } = setup(6);
  clock.t = 3000;
  spool.settle(
    msg,
    [
      { kind: 'delivered' },
      { kind: 'retry', dueAt: 9000, disposition: 'HTTP 503' },
      { kind: 'dead', reason: 'final', disposition: 'HTTP 400' },
      { kind: 'delivered' },
      { kind: 'retry', dueAt: 8000, disposition: 'HTTP 503' },
      { kind: 'dead', reason: 'expired', disposition: 'HTTP 503' },
    ],
    3000,
  );
  assert.deepEqual(spool.counts(), { rows: 1, records: 6, bytes: 36 }, 'buffered');
  spool.flush();
  assert.deepEqual(
    rawRows(stateDir).map(({ id, ...r }) => r),
    [
      { due_at: 9000, created_at: 1000, attempts: 1, count: 1, bytes: 6, disposition: 'HTTP 503', body: 'm:1..\n' },
      { due_at: 8000, created_at: 1000, attempts: 1, count: 1, bytes: 6, disposition: 'HTTP 503', body: 'm:4..\n' },
    ],
  );
  assert.deepEqual(spool.counts(), { rows: 2, records: 2, bytes: 12 });
  assert.deepEqual(
    spool.listDead({ all: true }).map((d) => [d.line, d.record.toString(), d.reason, d.attempts, d.disposition, d.diedAt]),
    [
      [2, 'm:2..\n', 'final', 1, 'HTTP 400', 3000],
      [5, 'm:5..\n', 'expired', 0, 'HTTP 503', 3000],
    ],
  );
  assert.equal(spool.deadCount(), 2);
  assert.deepEqual(spool.takeDue(100, 7999), [], 'the settled row is gone, the retries are not due yet');
  assert.deepEqual(spool.takeDue(100, 9000).map((m) => [recordTexts(m)[0], m.lines[0], m.attempts]), [['m:4', 4, 1], ['m:1', 1, 1]]);
  spool.close();
});

test('settle with every record delivered removes the row like an ack', () => {
  const { stateDir, spool, msg } = setup(2);
  spool.settle(msg, [{ kind: 'delivered' }, { kind: 'delivered' }], 1000);
  spool.flush();
  assert.deepEqual(rawRows(stateDir), []);
  assert.deepEqual(spool.counts(), { rows: 0, records: 0, bytes: 0 });
  assert.equal(spool.deadCount(), 0);
  spool.close();
});
