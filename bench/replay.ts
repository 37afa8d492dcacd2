// `loghook replay` of every record (a window that holds them all) against `tail --once` on the
// same data, in the same run, alternating, each with a fresh state dir and the same receiver.
// Goal (issue 9): replay >= 0.9x tail --once records/s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, type BenchData } from './data.js';
import { measure, median } from './measure.js';
import { runTailOnce, startReceiver } from './tail.js';

async function runReplay(data: BenchData, url: string, args: string[]): Promise<{ seconds: number; records: number; peakRssMb: number }> {
  const state = mkdtempSync(join(tmpdir(), 'loghook-bench-replay-'));
  try {
    const m = await measure(process.execPath, [BIN, 'replay', data.dir, '--since', '1970-01-01T00:00:00Z', '--state-dir', state, '--url', url, '--log-format', 'json', '--max-queue', '1000GiB', ...args], {
      env: { LOGHOOK_DEFAULT_CONFIG: '/nonexistent' },
    });
    if (m.code !== 0) throw new Error(`replay failed (${m.code}): ${m.stderr.slice(-2000)}`);
    const done = m.stderr.split('\n').filter((l) => l.includes('"caught up"')).map((l) => JSON.parse(l) as { delivered: number })[0];
    return { seconds: m.seconds, records: done?.delivered ?? 0, peakRssMb: m.peakRssMb };
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

export async function benchReplay(data: BenchData, rounds = 3): Promise<Record<string, unknown>> {
  const rx = await startReceiver();
  try {
    const tail: number[] = [];
    const replay: number[] = [];
    let records = 0;
    let replayed = 0;
    for (let r = 0; r < rounds; r++) {
      const t = await runTailOnce(data, rx.url, ['--batch-size', '100']);
      tail.push(t.seconds);
      records = t.records;
      const p = await runReplay(data, rx.url, ['--batch-size', '100']);
      replay.push(p.seconds);
      replayed = p.records;
    }
    const got = await rx.stop();
    const tailS = median(tail);
    const replayS = median(replay);
    const ratio = +(tailS / replayS).toFixed(2);
    return {
      records,
      'tail --once --batch-size 100 (reference)': { seconds: +tailS.toFixed(3), recordsPerSec: Math.round(records / tailS) },
      'replay --since 1970 --batch-size 100': { seconds: +replayS.toFixed(3), recordsPerSec: Math.round(replayed / replayS), records: replayed },
      'ratio replay / tail --once (records/s)': ratio,
      goals: { 'replay >= 0.9x tail --once': ratio >= 0.9, 'replay delivered every record': replayed === records },
      'receiver saw': got,
      rounds,
    };
  } finally {
    rx.child.kill('SIGKILL');
  }
}
