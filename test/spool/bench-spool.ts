// Spool benchmark (a script, not a test): node dist/test/spool/bench-spool.js [backlogRecords]
// Prints records/s for commits, takeDue+ack, and the cost of steady-state cycles with a small and
// a large backlog of rows scheduled in the future (the ratio must stay ≤ 1.2: nothing scans the queue).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Spool } from '../../src/spool/spool.js';
import type { ChunkInput } from '../../src/spool/types.js';
import { chunk, tempStateDir } from './support.js';

const RECORD_BYTES = 1024;
const HOUR_MS = 3_600_000;

function freshSpool(name: string): Spool {
  const dir = join(tempStateDir(), name);
  return Spool.open({ stateDir: dir });
}

function perSecond(records: number, ms: number): string {
  return `${Math.round((records / ms) * 1000).toLocaleString('en-US')} records/s`;
}

function timed(fn: () => number): { ms: number; cpuMs: number; records: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const records = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000, records };
}

function chunks(n: number, records: number): ChunkInput[] {
  return Array.from({ length: n }, (_, i) => chunk(records, { firstLine: i * records, size: RECORD_BYTES }));
}

function commitThroughput(label: string, chunkRecords: number, chunksPerCommit: number, commits: number): void {
  const spool = freshSpool(label);
  const batch = chunks(chunksPerCommit, chunkRecords);
  const cp = new Map([['s1', '{"segment":"seg-1","line":0}']]);
  const r = timed(() => {
    for (let i = 0; i < commits; i++) spool.commit(batch, cp);
    return commits * chunksPerCommit * chunkRecords;
  });
  console.log(`commit, ${label}: ${perSecond(r.records, r.ms)} (${commits} commits, ${(r.ms / commits).toFixed(2)} ms each)`);
  spool.close();
}

function takeAckThroughput(chunkRecords: number, records: number): void {
  const dir = join(tempStateDir(), 'take');
  let spool = Spool.open({ stateDir: dir });
  const batch = chunks(100, chunkRecords);
  for (let i = 0; i < records / (100 * chunkRecords); i++) spool.commit(batch);
  spool.close();
  // Reopened: the window is empty, every row comes from disk.
  spool = Spool.open({ stateDir: dir });
  const now = Date.now();
  const r = timed(() => {
    let n = 0;
    for (let i = 0; ; i++) {
      const got = spool.takeDue(100, now);
      if (got.length === 0) break;
      spool.ack(got.map((m) => m.rowId));
      for (const m of got) n += m.lines.length;
      if (i % 10 === 9) spool.flush();
    }
    spool.flush();
    return n;
  });
  console.log(`takeDue(100)+ack from disk, rows of ${chunkRecords}, flush every 10 takes: ${perSecond(r.records, r.ms)}`);
  spool.close();
  rmSync(dir, { recursive: true, force: true });
}

/** Backlog rows are single records (the shape retries leave behind), due an hour from now. */
function fillBacklog(spool: Spool, dir: string, records: number): void {
  spool.close();
  const realNow = Date.now;
  const cp = new Map<string, string>();
  const perTx = 10_000;
  const one = chunks(perTx, 1);
  // Scheduled in the future: commit them with a clock an hour ahead.
  const ahead = Spool.open({ stateDir: dir, clock: { now: () => realNow() + HOUR_MS, sleep: async () => {} } });
  for (let done = 0; done < records; done += perTx) ahead.commit(one.slice(0, Math.min(perTx, records - done)), cp);
  ahead.close();
}

function steadyCycles(spool: Spool, cycles: number): { ms: number; cpuMs: number; records: number } {
  const batch = chunks(1, 100);
  const cp = new Map([['s1', '{}']]);
  return timed(() => {
    let n = 0;
    for (let i = 0; i < cycles; i++) {
      spool.commit(batch, cp);
      const got = spool.takeDue(100, Date.now());
      spool.ack(got.map((m) => m.rowId));
      for (const m of got) n += m.lines.length;
    }
    spool.flush();
    return n;
  });
}

function backlogRatio(largeBacklog: number): void {
  const small = 50_000;
  const dirs = { small: join(tempStateDir(), 'small'), large: join(tempStateDir(), 'large') };
  for (const [name, records] of [['small', small], ['large', largeBacklog]] as const) {
    const t0 = performance.now();
    fillBacklog(Spool.open({ stateDir: dirs[name] }), dirs[name], records);
    console.log(`backlog ${name}: ${records.toLocaleString('en-US')} records queued in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const spools = { small: Spool.open({ stateDir: dirs.small }), large: Spool.open({ stateDir: dirs.large }) };
  for (const s of Object.values(spools)) steadyCycles(s, 200); // warm up
  const per: Record<string, { wall: number[]; cpu: number[] }> = { small: { wall: [], cpu: [] }, large: { wall: [], cpu: [] } };
  // Interleaved rounds, medians: the machine is noisy.
  for (let round = 0; round < 7; round++) {
    for (const name of ['small', 'large'] as const) {
      const r = steadyCycles(spools[name], 1000);
      per[name]!.wall.push((r.ms * 1000) / r.records);
      per[name]!.cpu.push((r.cpuMs * 1000) / r.records);
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  for (const name of ['small', 'large'] as const) {
    console.log(
      `commit(1×100)+takeDue+ack, backlog ${name} (${spools[name].counts().records.toLocaleString('en-US')} records): ` +
        `${med(per[name]!.wall).toFixed(2)} µs wall, ${med(per[name]!.cpu).toFixed(2)} µs CPU per record`,
    );
  }
  console.log(
    `ratio large/small: wall ${(med(per.large!.wall) / med(per.small!.wall)).toFixed(2)}, ` +
      `CPU ${(med(per.large!.cpu) / med(per.small!.cpu)).toFixed(2)}`,
  );
  for (const s of Object.values(spools)) s.close();
}

const backlog = Number(process.argv[2] ?? 5_000_000);
commitThroughput('chunks of 100, 1 per commit', 100, 1, 2000);
commitThroughput('chunks of 100, 10 per commit', 100, 10, 200);
commitThroughput('chunks of 1, 100 per commit', 1, 100, 1000);
commitThroughput('chunks of 1, 1 per commit', 1, 1, 2000);
takeAckThroughput(100, 200_000);
takeAckThroughput(1, 100_000);
backlogRatio(backlog);
console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
