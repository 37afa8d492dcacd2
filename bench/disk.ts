// Disk per queued record at a constant queue depth, with and without retries (issue #10 §5): the
// spool driven directly, as the dispatcher drives it, with a manual clock. Each step takes up to
// 1,000 due records, settles them, and commits as many fresh records as left the queue, so the
// depth stays put. With retries, 30% of the records fail their first 1..8 attempts (each record's
// own count, from a hash of its line), each retry due after a backoff that doubles from a quarter
// of a round to four rounds: after a few rounds the queue holds records retried 1..8 times, some
// waiting rounds long, next to fresh ones. A round is `depth` records
// handed out. The figure is what `du` counts in the state dir (queue.db, its WAL and SHM, the body
// files) over the records queued, sampled every 20 steps and averaged per round (a sample moves by
// a whole 64 MiB body file at a time); the highest sample is reported too.
// Standalone: node dist/bench/disk.js [depth] [rounds]
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Spool } from '../src/spool/spool.js';
import type { QueuedRow, RecordResult } from '../src/spool/types.js';
import { chunk, SettableClock, tempStateDir } from '../test/spool/support.js';

const RECORD_BYTES = 1024;
const CHUNK_RECORDS = 100;
const TAKE_RECORDS = 1000;
const RETRY_SHARE = 0.3;
const MAX_FAILURES = 8;

/** What `du` counts: allocated blocks, every file of the state dir and of bodies/. */
export function stateDirBytes(dir: string): { total: number; db: number; wal: number; bodies: number } {
  const blocks = (f: string) => {
    try {
      return statSync(f).blocks * 512;
    } catch {
      return 0;
    }
  };
  const db = blocks(join(dir, 'queue.db'));
  const wal = blocks(join(dir, 'queue.db-wal')) + blocks(join(dir, 'queue.db-shm'));
  let bodies = 0;
  let names: string[] = [];
  try {
    names = readdirSync(join(dir, 'bodies'));
  } catch {
    // no body file yet
  }
  for (const n of names) bodies += blocks(join(dir, 'bodies', n));
  let other = 0;
  for (const n of readdirSync(dir)) if (!n.startsWith('queue.db') && n !== 'bodies') other += blocks(join(dir, n));
  return { total: db + wal + bodies + other, db, wal, bodies };
}

/** A stable hash of a line number into [0, 1). */
function unit(line: number, salt: number): number {
  let h = Math.imul(line ^ salt, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}

/** How many attempts of record `line` fail (0 for most). */
function failures(line: number): number {
  if (unit(line, 1) >= RETRY_SHARE) return 0;
  return 1 + Math.floor(unit(line, 2) * MAX_FAILURES);
}

export interface DiskRun {
  /** state dir bytes per queued record, the mean of each round's samples */
  perRecord: number[];
  /** the highest sample after the first two rounds */
  peak: number;
  last: { total: number; db: number; wal: number; bodies: number; records: number; queuedBytes: number };
  retried: number;
}

export function runAtDepth(depth: number, rounds: number, retries: boolean): DiskRun {
  const dir = tempStateDir();
  const clock = new SettableClock(1_000_000);
  const spool = Spool.open({ stateDir: dir, clock });
  let nextLine = 0;
  const fresh = (records: number) => {
    const cs = [];
    for (let done = 0; done < records; done += CHUNK_RECORDS) {
      cs.push(chunk(Math.min(CHUNK_RECORDS, records - done), { firstLine: nextLine, size: RECORD_BYTES }));
      nextLine += Math.min(CHUNK_RECORDS, records - done);
    }
    return cs;
  };
  for (let done = 0; done < depth; done += 10 * CHUNK_RECORDS) spool.commit(fresh(Math.min(10 * CHUNK_RECORDS, depth - done)));
  // Backoff doubles from a quarter of a round up to four rounds: some retries come back soon,
  // others wait while several rounds of fresh records pass them.
  const stepsPerRound = Math.ceil(depth / TAKE_RECORDS);
  const retryDelay = (attempts: number) => Math.ceil(stepsPerRound * Math.min(4, 2 ** attempts / 4));
  const perRecord: number[] = [];
  let retried = 0;
  let owed = 0;
  let last: DiskRun['last'] | null = null;
  let peak = 0;
  for (let round = 0; round < rounds; round++) {
    const samples: number[] = [];
    for (let handed = 0, step = 0; handed < depth; step++) {
      if (step % 20 === 0) {
        const sample = stateDirBytes(dir).total / spool.counts().records;
        samples.push(sample);
        if (round >= 2) peak = Math.max(peak, sample);
      }
      clock.t += 1;
      const got = spool.takeDue(TAKE_RECORDS, clock.t);
      if (got.length === 0) continue;
      for (const m of got) {
        handed += m.lines.length;
        const results = settle(m, retries, clock.t + retryDelay(m.attempts));
        for (const r of results) {
          if (r.kind === 'delivered') owed++;
          else retried++;
        }
        spool.queue(m.queueId).settle(m, results, clock.t);
      }
      const n = owed - (owed % CHUNK_RECORDS);
      owed -= n;
      spool.commit(fresh(n));
    }
    const du = stateDirBytes(dir);
    const { records, bytes } = spool.counts();
    perRecord.push(Math.round(samples.reduce((a, b) => a + b, 0) / samples.length));
    last = { ...du, records, queuedBytes: bytes };
  }
  spool.close();
  rmSync(dir, { recursive: true, force: true });
  return { perRecord, peak: Math.round(peak), last: last!, retried };
}

function settle(m: QueuedRow, retries: boolean, dueAt: number): RecordResult[] {
  return Array.from(m.lines, (line) =>
    retries && m.attempts < failures(line) ? { kind: 'retry', dueAt, disposition: '503 Service Unavailable' } : { kind: 'delivered' },
  );
}

export function benchDisk(depth = 200_000, rounds = 8): Record<string, unknown> {
  const plain = runAtDepth(depth, rounds, false);
  const retried = runAtDepth(depth, rounds, true);
  const mb = (b: number) => +(b / 1e6).toFixed(1);
  const shape = (r: DiskRun) => ({
    'bytes per queued record, mean of each round': r.perRecord,
    'highest sample from round 3 on': r.peak,
    'state dir MB at the end (queue.db / WAL+SHM / body files)': `${mb(r.last.total)} (${mb(r.last.db)} / ${mb(r.last.wal)} / ${mb(r.last.bodies)})`,
    'queued MB (records bytes)': mb(r.last.queuedBytes),
    records: r.last.records,
  });
  // from round 3 on: the first rounds fill the queue with retries
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const settled = (r: DiskRun) => r.perRecord.slice(Math.min(2, rounds - 1));
  const ratio = mean(settled(retried)) / mean(settled(plain));
  const later = settled(retried);
  const half = Math.max(1, later.length >> 1);
  const growth = mean(later.slice(-half)) / mean(later.slice(0, half));
  return {
    depth,
    rounds,
    'no retries': shape(plain),
    [`${RETRY_SHARE * 100}% of records retried 1..${MAX_FAILURES} times (${retried.retried} retries)`]: shape(retried),
    'ratio retries / none, mean from round 3 (goal <= 1.2)': +ratio.toFixed(2),
    'growth, mean of the later rounds / the earlier ones, from round 3 (goal ~1)': +growth.toFixed(2),
    goalMet: ratio <= 1.2 && growth <= 1.1,
  };
}

if (process.argv[1]?.endsWith('disk.js')) {
  const depth = Number(process.argv[2] ?? 200_000);
  const rounds = Number(process.argv[3] ?? 8);
  console.log(JSON.stringify(benchDisk(depth, rounds), null, 2));
}
