// Randomized check of takeDue's invariant against the simplest possible model: "the rows on disk
// that this process has not claimed, due at `now`, in (due_at, id) order, whole rows up to the
// limit". The spool must agree exactly after every step, whatever mix of commits, acks, settles
// with mixed per-record results (delivered, retried in place or as new rows, dead), flushes,
// window spills, clock steps back and requeues by another connection came before. After every
// write the counters and the body-file ledger match the tables, and at the end every record ever
// committed is exactly once delivered, dead or still queued.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { DeadLetterStore } from '../../src/spool/dead-letter-store.js';
import { Spool } from '../../src/spool/spool.js';
import { blobU32 } from '../../src/spool/row-table.js';
import type { QueuedRow, RecordResult } from '../../src/spool/types.js';
import { assertLedgerMatchesRows, chunk, SettableClock, rawFiles, tempStateDir } from './support.js';

/** mulberry32: small, seedable, good enough to pick operations. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface DiskRow {
  id: number;
  due_at: number;
  count: number;
}

function expectedTake(disk: DiskRow[], claimed: Set<number>, max: number, now: number): number[] {
  const due = disk
    .filter((r) => !claimed.has(r.id) && r.due_at <= now)
    .sort((x, y) => x.due_at - y.due_at || x.id - y.id);
  const out: number[] = [];
  let records = 0;
  for (const r of due) {
    if (out.length > 0 && records + r.count > max) break;
    out.push(r.id);
    records += r.count;
  }
  return out;
}

function runScenario(seed: number, steps: number): void {
  const rand = prng(seed);
  const clock = new SettableClock(10_000);
  const stateDir = tempStateDir();
  const smallWindow = seed % 2 === 0;
  const spool = Spool.open({
    stateDir,
    clock,
    foreignPollMs: 0, // the model expects another connection's rows at once
    ...(smallWindow && { memoryWindowRecords: 1 + rand(6), memoryWindowBytes: 200 }),
  });
  const raw = new Database(join(stateDir, 'queue.db'), { readonly: true });
  const diskStmt = raw.prepare('SELECT id, due_at, count FROM messages');
  const totalsStmt = raw.prepare('SELECT count(*) AS rows, coalesce(sum(count), 0) AS records, coalesce(sum(bytes), 0) AS bytes FROM messages');
  const deadCountStmt = raw.prepare('SELECT count(*) FROM dead_letters').pluck();
  /** Counters and ledger agree with the tables (call when no outcome is buffered). */
  const checkExact = (what: string) => {
    assert.deepEqual(spool.counts(), { ...(totalsStmt.get() as object) }, `${what}: counts`);
    assert.equal(spool.deadCount(), deadCountStmt.get(), `${what}: dead count`);
    assertLedgerMatchesRows(stateDir, Math.max(0, ...rawFiles(stateDir).map((f) => f.id)));
  };
  /** line numbers of delivered records */
  const delivered: number[] = [];
  /** handed out, outcome not given yet */
  const inFlight = new Map<number, QueuedRow>();
  /** outcome given, not written yet: still claimed */
  const pending = new Set<number>();
  const claimed = () => new Set([...inFlight.keys(), ...pending]);
  let line = 0;
  const where = (step: number, op: string) => `seed ${seed}, step ${step}: ${op}`;

  for (let step = 0; step < steps; step++) {
    const op = rand(100);
    if (op < 25) {
      clock.t += rand(8) === 0 ? -rand(40) : rand(20);
      const chunks = Array.from({ length: 1 + rand(3) }, () => {
        const n = 1 + rand(4);
        line += n;
        return chunk(n, { firstLine: line - n, size: 10 + rand(40) });
      });
      spool.commit(chunks);
      pending.clear();
      checkExact(where(step, 'commit'));
    } else if (op < 55) {
      const max = 1 + rand(8);
      const now = clock.t + rand(60) - 20;
      const want = expectedTake(diskStmt.all() as DiskRow[], claimed(), max, now);
      const got = spool.takeDue(max, now);
      assert.deepEqual(got.map((m) => m.rowId), want, where(step, `takeDue(${max}, ${now})`));
      for (const m of got) inFlight.set(m.rowId, m);
    } else if (op < 80 && inFlight.size > 0) {
      const ids = [...inFlight.keys()];
      const m = inFlight.get(ids[rand(ids.length)]!)!;
      inFlight.delete(m.rowId);
      pending.add(m.rowId);
      if (rand(3) === 0) {
        spool.ack([m.rowId]);
        delivered.push(...m.lines);
      } else {
        // all retried, all dead, or a mix (each record its own result, some untried at a stop)
        const mode = rand(3);
        const results = [...m.lines].map((l): RecordResult => {
          const pick = mode === 2 ? rand(4) : mode;
          if (pick === 0) return { kind: 'retry', dueAt: clock.t + rand(120) - 40, disposition: 'HTTP 503' };
          if (pick === 1) return { kind: 'dead', reason: rand(2) === 0 ? 'final' : 'expired', disposition: 'HTTP 400' };
          if (pick === 3) return { kind: 'unsent' };
          delivered.push(l);
          return { kind: 'delivered' };
        });
        spool.settle(m, results, clock.t);
      }
    } else if (op < 88) {
      spool.flush();
      pending.clear();
      checkExact(where(step, 'flush'));
    } else if (op < 93) {
      const store = DeadLetterStore.open({ stateDir, clock: new SettableClock(clock.t + rand(80) - 60) });
      store.requeue({ all: true });
      store.close();
    } else {
      const due = (diskStmt.all() as DiskRow[]).filter((r) => !claimed().has(r.id)).map((r) => r.due_at);
      assert.equal(spool.nextDueAt(), due.length === 0 ? null : Math.min(...due), where(step, 'nextDueAt'));
    }
  }
  // Everything still queued and unclaimed comes out, once.
  const rest = expectedTake(diskStmt.all() as DiskRow[], claimed(), Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const got = spool.takeDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).map((m) => m.rowId);
  assert.deepEqual(got, rest, `seed ${seed}: final drain`);
  spool.flush();
  checkExact(`seed ${seed}: end`);
  // Every record committed is in exactly one place: delivered, dead, or queued.
  const queued = (raw.prepare('SELECT lines FROM messages').pluck().all() as Buffer[]).flatMap((b) => [...blobU32(b)]);
  const dead = raw.prepare('SELECT line FROM dead_letters').pluck().all() as number[];
  const all = [...delivered, ...dead, ...queued].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: line }, (_, i) => i), `seed ${seed}: every record once`);
  raw.close();
  spool.close();
}

test('randomized: takeDue always returns exactly the oldest unclaimed due rows, none skipped or repeated', () => {
  for (let seed = 1; seed <= 24; seed++) runScenario(seed, 300);
});
