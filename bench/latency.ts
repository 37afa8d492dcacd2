// Live latency: a writer flushes blocks while `loghook tail` runs; for every record, the time
// from its block landing on disk to the receiver getting it. Goal: p99 <= 250 ms.
import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { segmentKey } from '../src/hook/event-id.js';
import { BIN } from './data.js';
import { startReceiver } from './tail.js';

const WRITER = resolve(fileURLToPath(new URL('.', import.meta.url)), '../test/helpers/kumo-writer.js');

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function benchLatency(opts: { rate?: number; records?: number; batchSize?: number } = {}): Promise<Record<string, unknown>> {
  const { rate = 5000, records = 60_000, batchSize = 100 } = opts;
  const logs = realpathSync(mkdtempSync(join(tmpdir(), 'loghook-lat-logs-')));
  const state = mkdtempSync(join(tmpdir(), 'loghook-lat-state-'));
  const rx = await startReceiver(true);
  const tail = spawn(process.execPath, [BIN, 'tail', logs, '--url', rx.url, '--state-dir', state, '--batch-size', String(batchSize), '--log-format', 'json', '--include-log-record'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let tailErr = '';
  tail.stderr!.setEncoding('utf8').on('data', (s: string) => (tailErr += s));
  try {
    await new Promise((r) => setTimeout(r, 500));
    const blocks: { t: number; segment: string; lines: number }[] = [];
    const writer = spawn(process.execPath, [WRITER, '--dir', logs, '--records', String(records), '--rate', String(rate), '--segment-records', '20000', '--report'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    writer.stdout!.setEncoding('utf8').on('data', (s: string) => {
      buf += s;
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        blocks.push(JSON.parse(buf.slice(0, nl)) as { t: number; segment: string; lines: number });
        buf = buf.slice(nl + 1);
      }
    });
    await new Promise((r) => writer.on('exit', r));
    // every record a block made readable: its event id, and when the block landed
    const landed = new Map<string, number>();
    const prev = new Map<string, number>();
    for (const b of blocks) {
      const key = segmentKey(logs, b.segment);
      for (let line = prev.get(b.segment) ?? 0; line < b.lines; line++) landed.set(`${key}-${line}`, b.t);
      prev.set(b.segment, b.lines);
    }
    const deadline = Date.now() + 30_000;
    while (rx.lines.length < landed.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const lat: number[] = [];
    for (const l of rx.lines) {
      const [id, t] = l.split(' ');
      const at = landed.get(id!);
      if (at !== undefined) lat.push(Number(t) - at);
    }
    lat.sort((a, b) => a - b);
    return {
      'records/s written': rate,
      batchSize,
      'records measured': lat.length,
      'records expected': landed.size,
      'p50 ms': pct(lat, 50),
      'p99 ms': pct(lat, 99),
      'max ms': lat.at(-1),
      goalMet: lat.length === landed.size && pct(lat, 99) <= 250,
    };
  } finally {
    tail.kill('SIGTERM');
    await new Promise((r) => tail.on('exit', r));
    await rx.stop();
    rmSync(logs, { recursive: true, force: true });
    rmSync(state, { recursive: true, force: true });
    if (process.env.BENCH_DEBUG) process.stderr.write(tailErr);
  }
}
