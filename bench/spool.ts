// Spool benchmark (a script, not a test): node dist/bench/spool.js [backlogRecords]
// Compares fresh bodies in body files (format 2) with format 1's bodies inline in SQLite (through
// a test seam), then prints records/s for commits, takeDue+ack, and the cost of steady-state cycles
// with a small and a large backlog of rows scheduled in the future (the ratio must stay ≤ 1.2:
// nothing scans the queue).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Spool } from '../src/spool/spool.js';
import type { ChunkInput } from '../src/spool/types.js';
import { writeFormat1 } from '../test/spool/format-1.js';
import { chunk, tempStateDir } from '../test/spool/support.js';

const RECORD_BYTES = 1024;
const HOUR_MS = 3_600_000;

/**
 * How fresh bodies are stored, and the page size queue.db was created with. Format 1's design is
 * reproduced exactly: a format-1 file (64 KiB pages), migrated, with the seam that stores fresh
 * bodies inline.
 */
const DESIGNS = {
  'format 1: inline bodies, 64 KiB pages': { inline: true, format1File: true },
  'body files, 64 KiB pages (a migrated queue)': { inline: false, format1File: true },
  'body files, 16 KiB pages (a new queue)': { inline: false, format1File: false },
};
type Design = keyof typeof DESIGNS;
const FORMAT_1: Design = 'format 1: inline bodies, 64 KiB pages';
const FORMAT_2: Design = 'body files, 16 KiB pages (a new queue)';

function openDesign(stateDir: string, design: Design): Spool {
  const d = DESIGNS[design];
  if (d.format1File) writeFormat1(stateDir, [], Date.now());
  return Spool.open({ stateDir, bodyStore: { inline: d.inline } });
}

function freshSpool(name: string): Spool {
  const dir = join(tempStateDir(), name);
  return Spool.open({ stateDir: dir });
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

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

/**
 * The steady state of `tail`: commit(10 chunks of 100 × 1 KB records) with a checkpoint, then
 * takeDue(100) + ack until nothing is due (the acks ride with the next commit). Every design in
 * interleaved rounds on fresh state dirs, medians: the machine is noisy.
 */
function compareDesigns(rounds: number, cycles: number): void {
  const designs = Object.keys(DESIGNS) as Design[];
  const results = new Map(designs.map((d) => [d, { rate: [] as number[], cpu: [] as number[] }]));
  const batch = chunks(10, 100);
  const cp = new Map([['s1', '{"segment":"seg-1","line":0}']]);
  for (let round = 0; round < rounds; round++) {
    for (const design of designs) {
      const dir = join(tempStateDir(), 'design');
      const spool = openDesign(dir, design);
      const r = timed(() => {
        let n = 0;
        for (let i = 0; i < cycles; i++) {
          spool.commit(batch, cp);
          for (let got = spool.takeDue(100, Date.now()); got.length > 0; got = spool.takeDue(100, Date.now())) {
            spool.ack(got.map((m) => m.rowId));
            for (const m of got) n += m.lines.length;
          }
        }
        spool.flush();
        return n;
      });
      spool.close();
      rmSync(dir, { recursive: true, force: true });
      results.get(design)!.rate.push((r.records / r.ms) * 1000);
      results.get(design)!.cpu.push((r.cpuMs * 1000) / r.records);
    }
  }
  console.log(`commit(10×100×1KB)+takeDue(100)+ack, ${rounds} interleaved rounds of ${(cycles * 1000).toLocaleString('en-US')} records, medians:`);
  for (const [design, { rate, cpu }] of results) {
    console.log(
      `  ${design.padEnd(44)} ${Math.round(median(rate)).toLocaleString('en-US').padStart(9)} records/s, ` +
        `${median(cpu).toFixed(2)} µs CPU per record (rounds: ${rate.map((x) => Math.round(x / 1000)).join('/')} k/s)`,
    );
  }
  const [old, now] = [results.get(FORMAT_1)!, results.get(FORMAT_2)!];
  console.log(
    `  format 2 vs format 1: ${(median(now.rate) / median(old.rate)).toFixed(2)}× the records/s, ` +
      `${(median(now.cpu) / median(old.cpu)).toFixed(2)}× the CPU per record`,
  );
}

function takeAckThroughput(chunkRecords: number, records: number, design: Design = FORMAT_2): void {
  const dir = join(tempStateDir(), 'take');
  let spool = openDesign(dir, design);
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
  console.log(`takeDue(100)+ack from disk, rows of ${chunkRecords}, ${design}, flush every 10 takes: ${perSecond(r.records, r.ms)}`);
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
  const ahead = Spool.open({ stateDir: dir, clock: { now: () => realNow() + HOUR_MS, sleep: async () => {}, timer: () => () => undefined } });
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
  for (const name of ['small', 'large'] as const) {
    console.log(
      `commit(1×100)+takeDue+ack, backlog ${name} (${spools[name].counts().records.toLocaleString('en-US')} records): ` +
        `${median(per[name]!.wall).toFixed(2)} µs wall, ${median(per[name]!.cpu).toFixed(2)} µs CPU per record`,
    );
  }
  console.log(
    `ratio large/small: wall ${(median(per.large!.wall) / median(per.small!.wall)).toFixed(2)}, ` +
      `CPU ${(median(per.large!.cpu) / median(per.small!.cpu)).toFixed(2)}`,
  );
  for (const s of Object.values(spools)) s.close();
}

const backlog = Number(process.argv[2] ?? 5_000_000);
compareDesigns(5, 200);
commitThroughput('chunks of 100, 1 per commit', 100, 1, 2000);
commitThroughput('chunks of 100, 10 per commit', 100, 10, 200);
commitThroughput('chunks of 1, 100 per commit', 1, 100, 1000);
commitThroughput('chunks of 1, 1 per commit', 1, 1, 2000);
takeAckThroughput(100, 200_000, FORMAT_1);
takeAckThroughput(100, 200_000);
takeAckThroughput(1, 100_000);
backlogRatio(backlog);
console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
