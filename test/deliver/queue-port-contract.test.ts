// The QueuePort contract (src/deliver/queue-port.ts), run case for case against the in-memory
// FakeQueue the dispatcher tests use and against the real Spool (review row 24): if the fake
// drifts from the spool's semantics, one of the two fails here. Compared per record (event id,
// bytes, attempts, due time, disposition), not per row: how records are grouped into rows is the
// storage's business (the spool keeps a run of unsent records in one row, the fake one row each).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QueuePort, RecordResult } from '../../src/deliver/queue-port.js';
import { DeadLetterStore } from '../../src/spool/dead-letter-store.js';
import { Spool } from '../../src/spool/spool.js';
import { recordBytes, type QueuedRow } from '../../src/spool/types.js';
import { SettableClock } from '../helpers/manual-clock.js';
import { tempStateDir } from '../spool/support.js';
import { FakeQueue } from './fake-queue.js';

const SEGMENT_KEY = '0123456789abcdef';

interface Subject {
  port: QueuePort;
  /** queues a row of these records, created and due at `at` */
  add(texts: string[], at: number): void;
  /** makes buffered outcomes durable (the spool commits them; the fake has nothing to do) */
  flush(): void;
  /** the dead letters: event id, reason, attempts, disposition */
  dead(): string[];
  close(): void;
}

function fakeSubject(): Subject {
  const q = new FakeQueue(SEGMENT_KEY);
  return {
    port: q,
    add: (texts, at) => void q.add(texts, { createdAt: at }),
    flush: () => undefined,
    dead: () => q.dead.map((d) => `${d.eventId} ${d.reason} a=${d.attempts} ${d.disposition}`),
    close: () => undefined,
  };
}

function spoolSubject(): Subject {
  const stateDir = tempStateDir();
  const clock = new SettableClock(0);
  const spool = Spool.open({ stateDir, clock, foreignPollMs: 0 });
  const queueId = spool.queueId('contract');
  let line = 0;
  return {
    port: spool.queue(queueId),
    add(texts, at) {
      clock.t = at;
      const ends: number[] = [];
      let end = 0;
      for (const t of texts) ends.push((end += Buffer.byteLength(t) + 1));
      const lines = texts.map(() => line++);
      spool.commit([{ queueId, stream: 'test', segment: '20250101-000000', segmentKey: SEGMENT_KEY, lines, ends, body: Buffer.from(texts.map((t) => t + '\n').join('')) }]);
    },
    flush: () => spool.flush(),
    dead() {
      const store = DeadLetterStore.open({ stateDir });
      try {
        return store.list({ all: true }).map((d) => `${d.eventId} ${d.reason} a=${d.attempts} ${d.disposition}`);
      } finally {
        store.close();
      }
    },
    close: () => spool.close(),
  };
}

/** Each record of the rows handed out: what the dispatcher sees of it. */
function recordsOf(rows: QueuedRow[]): string[] {
  return rows.flatMap((m) => Array.from(m.lines, (l, i) => `${m.segmentKey}-${l} ${recordBytes(m, i).toString().trimEnd()} a=${m.attempts} due=${m.dueAt} d=${m.disposition}`));
}

const id = (line: number) => `${SEGMENT_KEY}-${line}`;

for (const [name, make] of [['FakeQueue', fakeSubject], ['Spool', spoolSubject]] as const) {
  test(`${name}: takeDue hands out due rows oldest first, whole, within maxRecords but at least one, each once`, () => {
    const s = make();
    try {
      s.add(['a0', 'a1', 'a2'], 100);
      s.add(['b0', 'b1'], 200);
      s.add(['c0', 'c1', 'c2', 'c3'], 300);
      assert.deepEqual(s.port.takeDue(10, 50), [], 'nothing is due before its time');
      assert.equal(s.port.nextDueAt(), 100);
      assert.deepEqual(recordsOf(s.port.takeDue(4, 1000)), ['a0', 'a1', 'a2'].map((t, i) => `${id(i)} ${t} a=0 due=100 d=null`), 'a and b would be 5 records');
      assert.equal(s.port.nextDueAt(), 200, 'a claimed row is not due any more');
      assert.deepEqual(recordsOf(s.port.takeDue(1, 1000)).map((r) => r.split(' ')[1]), ['b0', 'b1'], 'one whole row even over maxRecords');
      assert.deepEqual(recordsOf(s.port.takeDue(100, 1000)).map((r) => r.split(' ')[1]), ['c0', 'c1', 'c2', 'c3']);
      assert.deepEqual(s.port.takeDue(100, 1000), [], 'claimed rows do not come back');
      assert.equal(s.port.nextDueAt(), null);
    } finally {
      s.close();
    }
  });

  test(`${name}: an acked row is gone`, () => {
    const s = make();
    try {
      s.add(['a0', 'a1'], 100);
      s.add(['b0'], 200);
      const [a] = s.port.takeDue(2, 1000);
      s.port.ack([a!.rowId]);
      s.flush();
      assert.equal(s.port.nextDueAt(), 200);
      assert.deepEqual(recordsOf(s.port.takeDue(100, 1000)).map((r) => r.split(' ')[1]), ['b0']);
      assert.deepEqual(s.dead(), []);
    } finally {
      s.close();
    }
  });

  test(`${name}: settle delivers, retries (attempts + 1, its due time and disposition) and buries record by record`, () => {
    const s = make();
    try {
      s.add(['r0', 'r1', 'r2', 'r3'], 100);
      const [row] = s.port.takeDue(10, 1000);
      const results: RecordResult[] = [
        { kind: 'delivered' },
        { kind: 'retry', dueAt: 5000, disposition: '503 Service Unavailable' },
        { kind: 'dead', reason: 'final', disposition: '400 Bad Request' },
        { kind: 'dead', reason: 'expired', disposition: 'too old' },
      ];
      s.port.settle(row!, results, 1000);
      s.flush();
      assert.equal(s.port.nextDueAt(), 5000);
      assert.deepEqual(s.port.takeDue(10, 4999), []);
      assert.deepEqual(recordsOf(s.port.takeDue(10, 5000)), [`${id(1)} r1 a=1 due=5000 d=503 Service Unavailable`]);
      // a final answer counts the attempt that got it; an expired record was not tried again
      assert.deepEqual(s.dead(), [`${id(2)} final a=1 400 Bad Request`, `${id(3)} expired a=0 too old`]);
    } finally {
      s.close();
    }
  });

  test(`${name}: the retries of one row scatter, each handed out at its own due time, attempts counting up`, () => {
    const s = make();
    try {
      s.add(['x0', 'x1', 'x2'], 100);
      const [row] = s.port.takeDue(10, 100);
      s.port.settle(row!, [3000, 1000, 2000].map((dueAt) => ({ kind: 'retry', dueAt, disposition: 'timeout' })), 100);
      s.flush();
      const x1 = s.port.takeDue(10, 1500);
      assert.deepEqual(recordsOf(x1), [`${id(1)} x1 a=1 due=1000 d=timeout`]);
      s.port.settle(x1[0]!, [{ kind: 'retry', dueAt: 2500, disposition: '500 Internal Server Error' }], 1500);
      s.flush();
      assert.deepEqual(recordsOf(s.port.takeDue(10, 3000)), [
        `${id(2)} x2 a=1 due=2000 d=timeout`,
        `${id(1)} x1 a=2 due=2500 d=500 Internal Server Error`,
        `${id(0)} x0 a=1 due=3000 d=timeout`,
      ]);
      assert.deepEqual(s.port.takeDue(10, 3000), [], 'all three are claimed');
    } finally {
      s.close();
    }
  });

  test(`${name}: records a stop left untried stay queued as they were (same attempts, due time, disposition)`, () => {
    const s = make();
    try {
      s.add(['u0', 'u1', 'u2'], 100);
      const [row] = s.port.takeDue(10, 100);
      s.port.settle(row!, [{ kind: 'retry', dueAt: 400, disposition: '502 Bad Gateway' }, { kind: 'retry', dueAt: 400, disposition: '502 Bad Gateway' }, { kind: 'retry', dueAt: 400, disposition: '502 Bad Gateway' }], 100);
      s.flush();
      const retried = s.port.takeDue(10, 400);
      assert.deepEqual(recordsOf(retried).map((r) => r.split(' ')[1]), ['u0', 'u1', 'u2']);
      // the next attempt: u0 delivered, then a stop before u1 and u2 were sent
      const results: RecordResult[] = [{ kind: 'delivered' }, { kind: 'unsent' }, { kind: 'unsent' }];
      let r = 0;
      for (const m of retried) s.port.settle(m, Array.from(m.lines, () => results[r++]!), 450);
      s.flush();
      assert.equal(s.port.nextDueAt(), 400, 'due when they were');
      assert.deepEqual(recordsOf(s.port.takeDue(10, 450)), [`${id(1)} u1 a=1 due=400 d=502 Bad Gateway`, `${id(2)} u2 a=1 due=400 d=502 Bad Gateway`]);
      assert.deepEqual(s.dead(), []);
    } finally {
      s.close();
    }
  });
}
