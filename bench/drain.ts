// Draining a deep queue (issue 10 §6): `tail --once --batch-size 100` with its receiver down reads
// N records (default 5 M) into the queue; a second run with the receiver up delivers them all from
// the body files. Its peak RSS (goal <= 150 MB) and records/s, against a live run (the receiver up
// from the start) over the same records in the same run.
//   npm run bench -- drain            (5 M records; generated once into bench-data/, ~4 GB of state)
//   node dist/bench/drain.js 2000000  (another size)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, benchData } from './data.js';
import { measure, type Measurement } from './measure.js';
import { startReceiver } from './tail.js';

const DOWN_URL = 'http://127.0.0.1:9/hook';

function endLine(m: Measurement): { delivered: number; queuedLeft?: number } {
  const l = m.stderr.split('\n').find((x) => x.includes('"caught up"') || x.includes('"done for now'));
  return l ? (JSON.parse(l) as { delivered: number; queuedLeft?: number }) : { delivered: 0 };
}

function tail(state: string, url: string, dir: string): Promise<Measurement> {
  return measure(process.execPath, [BIN, 'tail', '--once', '--state-dir', state, '--url', url, '--log-format', 'json', '--max-queue', '1000GiB', '--batch-size', '100', dir]);
}

export async function benchDrain(records = 5_000_000): Promise<Record<string, unknown>> {
  const data = benchData(records);
  const rx = await startReceiver();
  const tmp = mkdtempSync(join(tmpdir(), 'loghook-bench-drain-'));
  try {
    const live = await tail(join(tmp, 'live'), rx.url, data.dir);
    if (live.code !== 0) throw new Error(`live run exited ${live.code}: ${live.stderr.slice(-1500)}`);
    rmSync(join(tmp, 'live'), { recursive: true, force: true });
    const liveDelivered = endLine(live).delivered;

    const state = join(tmp, 'queued');
    const fill = await tail(state, DOWN_URL, data.dir);
    // 12: the receiver never answered in this run; everything read stays queued
    if (fill.code !== 12) throw new Error(`filling run exited ${fill.code}: ${fill.stderr.slice(-1500)}`);
    const queued = endLine(fill).queuedLeft ?? 0;
    const drain = await tail(state, rx.url, data.dir);
    // 10: the few records the filling run had tried are not due yet (their backoff); they stay queued
    if (drain.code !== 0 && drain.code !== 10) throw new Error(`draining run exited ${drain.code}: ${drain.stderr.slice(-1500)}`);
    const { delivered: drained, queuedLeft: left = 0 } = endLine(drain);
    const liveRps = liveDelivered / live.seconds;
    const drainRps = drained / drain.seconds;
    return {
      records: data.records,
      live: { delivered: liveDelivered, seconds: +live.seconds.toFixed(2), recordsPerSec: Math.round(liveRps), peakRssMb: Math.round(live.peakRssMb) },
      fill: { queued, seconds: +fill.seconds.toFixed(2), peakRssMb: Math.round(fill.peakRssMb) },
      drain: {
        delivered: drained,
        'left queued (not due yet)': left,
        seconds: +drain.seconds.toFixed(2),
        recordsPerSec: Math.round(drainRps),
        'ratio to live records/s': +(drainRps / liveRps).toFixed(2),
        cpuUsPerRecord: +((drain.cpuSeconds / drained) * 1e6).toFixed(2),
        peakRssMb: Math.round(drain.peakRssMb),
        'ratio to live peak RSS': +(drain.peakRssMb / live.peakRssMb).toFixed(2),
      },
      goals: { 'drain peak RSS <= 150 MB': drain.peakRssMb <= 150, 'every queued record delivered or still queued': drained + left === queued },
    };
  } finally {
    await rx.stop().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 5_000_000);
  process.stdout.write(`${JSON.stringify(await benchDrain(n), null, 2)}\n`);
  process.exit(0);
}
