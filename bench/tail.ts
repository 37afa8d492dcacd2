// `loghook tail --once` end to end on the benchmark data, with a local receiver in its own
// process, against `loghook cat` on the same data in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, type BenchData } from './data.js';
import { measure, median, type Measurement } from './measure.js';

const RECEIVER = resolve(fileURLToPath(new URL('.', import.meta.url)), 'receiver.js');

export interface RunningReceiver {
  url: string;
  child: ChildProcess;
  lines: string[];
  stop(): Promise<{ requests: number; records: number; bytes: number }>;
}

export function startReceiver(ids = false): Promise<RunningReceiver> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, [RECEIVER, ...(ids ? ['--ids'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buf = '';
    let summary: ((s: string) => void) | null = null;
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      buf += s;
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('port ')) {
          resolveStart({
            url: `http://127.0.0.1:${line.slice(5)}/hook`,
            child,
            lines,
            stop: () =>
              new Promise((res) => {
                summary = (x) => res(JSON.parse(x) as { requests: number; records: number; bytes: number });
                child.kill('SIGTERM');
              }),
          });
        } else if (line.startsWith('summary ')) summary?.(line.slice(8));
        else lines.push(line);
      }
    });
    child.on('error', reject);
  });
}

export async function runTailOnce(data: BenchData, url: string, args: string[], stateDir?: string): Promise<Measurement & { records: number }> {
  const state = stateDir ?? mkdtempSync(join(tmpdir(), 'loghook-bench-'));
  try {
    const m = await measure(process.execPath, [BIN, 'tail', '--once', '--state-dir', state, '--url', url, '--log-format', 'json', '--max-queue', '1000GiB', ...args, data.dir]);
    if (m.code !== 0 && m.code !== 10) throw new Error(`tail failed (${m.code}): ${m.stderr.slice(-2000)}`);
    const done = m.stderr.split('\n').filter((l) => l.includes('"caught up"') || l.includes('"done for now')).map((l) => JSON.parse(l) as { delivered: number })[0];
    return { ...m, records: done?.delivered ?? 0 };
  } finally {
    if (!stateDir) rmSync(state, { recursive: true, force: true });
  }
}

export async function benchTail(data: BenchData, rounds = 3): Promise<Record<string, unknown>> {
  const rx = await startReceiver();
  try {
    const cat: number[] = [];
    const t100: number[] = [];
    const rss: number[] = [];
    let delivered = 0;
    for (let r = 0; r < rounds; r++) {
      const c = await measure(process.execPath, [BIN, 'cat', data.dir]);
      cat.push(c.seconds);
      const t = await runTailOnce(data, rx.url, ['--batch-size', '100']);
      t100.push(t.seconds);
      rss.push(t.peakRssMb);
      delivered = t.records;
    }
    const t1 = await runTailOnce(data, rx.url, ['--batch-size', '1']);
    const got = await rx.stop();
    const catS = median(cat);
    const s100 = median(t100);
    const rps100 = Math.round(delivered / s100);
    const rps1 = Math.round(t1.records / t1.seconds);
    const peak = Math.round(Math.max(...rss, t1.peakRssMb));
    return {
      records: delivered,
      'loghook cat (reference)': { seconds: +catS.toFixed(3), recordsPerSec: Math.round(data.records / catS) },
      'tail --once --batch-size 100': { seconds: +s100.toFixed(3), recordsPerSec: rps100, peakRssMb: Math.round(Math.max(...rss)) },
      'ratio tail-100 / cat': +(catS / s100).toFixed(2),
      'tail --once --batch-size 1': { seconds: +t1.seconds.toFixed(3), recordsPerSec: rps1, peakRssMb: Math.round(t1.peakRssMb) },
      goals: { 'batch 100 >= 150k/s': rps100 >= 150_000, 'batch 1 >= 20k/s': rps1 >= 20_000, 'peak RSS <= 150 MB': peak <= 150 },
      'receiver saw': got,
      rounds,
    };
  } finally {
    rx.child.kill('SIGKILL');
  }
}
