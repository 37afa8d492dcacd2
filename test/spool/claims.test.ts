// Claims against an in-memory stand-in for the messages table: counts its queries, and lets a
// randomized run use tiny index pages and pass limits that the real defaults never reach.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Claims, type ClaimSource, type WalkTuning } from '../../src/spool/claims.js';
import type { DiskKey, RowKey } from '../../src/spool/row-table.js';
import type { QueuedRow } from '../../src/spool/types.js';

class FakeTable implements ClaimSource {
  rows = new Map<number, QueuedRow>();
  nextId = 1;
  keyQueries = 0;
  rowReads = 0;

  insert(dueAt: number, records: number): QueuedRow {
    const m: QueuedRow = {
      rowId: this.nextId++,
      queueId: 1,
      starts: null,
      stream: 's',
      segment: 'g',
      segmentKey: 'k',
      lines: new Uint32Array(records),
      ends: new Uint32Array(records),
      body: Buffer.alloc(records * 10),
      createdAt: dueAt,
      attempts: 0,
      dueAt,
      disposition: null,
    };
    this.rows.set(m.rowId, m);
    return m;
  }

  sorted(): QueuedRow[] {
    return [...this.rows.values()].sort((a, b) => a.dueAt - b.dueAt || a.rowId - b.rowId);
  }

  keysAfter(after: RowKey, limit: number): DiskKey[] {
    this.keyQueries++;
    return this.sorted()
      .filter((m) => m.dueAt > after.dueAt || (m.dueAt === after.dueAt && m.rowId > after.id))
      .slice(0, limit)
      .map((m) => ({ dueAt: m.dueAt, id: m.rowId, count: m.lines.length }));
  }

  get(id: number): QueuedRow | undefined {
    this.rowReads++;
    const m = this.rows.get(id);
    return m && { ...m };
  }
}

const bigWindow = { maxRecords: 1_000_000, maxBytes: 1 << 30 };

test('steady state (commit, take, ack) is served from memory: no index query, no row read', () => {
  const table = new FakeTable();
  const claims = new Claims(table, bigWindow);
  for (let t = 1; t <= 1000; t++) {
    claims.committed([table.insert(t, 100)]);
    const [m] = claims.take(100, t);
    assert.equal(m?.dueAt, t);
    table.rows.delete(m.rowId);
    claims.release(m.rowId);
  }
  // Only the very first take looks at the disk, which may hold rows from before the start.
  assert.deepEqual({ keyQueries: table.keyQueries, rowReads: table.rowReads }, { keyQueries: 1, rowReads: 0 });
});

test('a retry coming due costs one walk, then serving from memory resumes', () => {
  const table = new FakeTable();
  const claims = new Claims(table, bigWindow);
  claims.committed([table.insert(1, 1)]);
  const [r] = claims.take(10, 1);
  table.rows.get(r!.rowId)!.dueAt = 50;
  claims.release(r!.rowId);
  claims.appeared({ dueAt: 50, id: r!.rowId });
  const before = { ...table };
  for (let t = 2; t <= 100; t++) {
    claims.committed([table.insert(t, 1)]);
    for (const m of claims.take(10, t)) {
      table.rows.delete(m.rowId);
      claims.release(m.rowId);
    }
  }
  assert.equal(table.rows.size, 0);
  assert.ok(table.keyQueries - before.keyQueries <= 3, `${table.keyQueries - before.keyQueries} index queries`);
  assert.equal(table.rowReads - before.rowReads, 1, 'only the retried row is read back');
});

function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function scenario(seed: number, tuning: WalkTuning): void {
  const rand = prng(seed);
  const table = new FakeTable();
  const claims = new Claims(table, { maxRecords: 1 + rand(12), maxBytes: 1 << 30 }, tuning);
  const inFlight = new Map<number, QueuedRow>();
  let now = 1000;
  const ctx = (step: number, op: string) => `seed ${seed} ${JSON.stringify(tuning)} step ${step}: ${op}`;
  for (let step = 0; step < 400; step++) {
    const op = rand(100);
    if (op < 30) {
      now += rand(6) === 0 ? -rand(30) : rand(10);
      claims.committed(Array.from({ length: 1 + rand(3) }, () => table.insert(now, 1 + rand(3))));
    } else if (op < 60) {
      const max = 1 + rand(6);
      const at = now + rand(40) - 15;
      const want: number[] = [];
      let records = 0;
      for (const m of table.sorted()) {
        if (inFlight.has(m.rowId) || m.dueAt > at) continue;
        if (want.length > 0 && records + m.lines.length > max) break;
        want.push(m.rowId);
        records += m.lines.length;
      }
      const got = claims.take(max, at);
      assert.deepEqual(got.map((m) => m.rowId), want, ctx(step, `take(${max}, ${at})`));
      for (const m of got) inFlight.set(m.rowId, m);
    } else if (op < 85 && inFlight.size > 0) {
      const m = [...inFlight.values()][rand(inFlight.size)]!;
      inFlight.delete(m.rowId);
      const kind = rand(3);
      table.rows.delete(m.rowId);
      if (kind === 1) {
        const dueAt = now + rand(80) - 30;
        table.rows.set(m.rowId, { ...m, dueAt });
        claims.release(m.rowId);
        claims.appeared({ dueAt, id: m.rowId });
      } else {
        claims.release(m.rowId);
        if (kind === 2) for (const r of m.lines) claims.appeared(keyOf(table.insert(now + rand(80) - 30 + r, 1)));
      }
    } else if (op < 92) {
      // Rows from another process: the spool reports them as one lower bound.
      const first = table.nextId;
      const dues = Array.from({ length: 1 + rand(3) }, () => table.insert(now + rand(60) - 50, 1).dueAt);
      claims.appeared({ dueAt: Math.min(...dues), id: first });
    } else {
      const dues = [...table.rows.values()].filter((m) => !inFlight.has(m.rowId)).map((m) => m.dueAt);
      assert.equal(claims.nextDueAt(), dues.length ? Math.min(...dues) : null, ctx(step, 'nextDueAt'));
    }
  }
}

function keyOf(m: QueuedRow): RowKey {
  return { dueAt: m.dueAt, id: m.rowId };
}

test('randomized with tiny index pages and pass limits: take and nextDueAt match the model', () => {
  for (const tuning of [
    { keyPage: 1, maxPassed: 1 },
    { keyPage: 2, maxPassed: 1 },
    { keyPage: 1, maxPassed: 3 },
    { keyPage: 3, maxPassed: 2 },
    { keyPage: 256, maxPassed: 256 },
  ]) {
    for (let seed = 1; seed <= 60; seed++) scenario(seed, tuning);
  }
});
