// Per-record cost of `tail --once --batch-size 100` with 5 M messages already queued against 50 k
// (goal: ratio <= 1.2, nothing may scan the whole queue). The filler messages are single-record
// rows due in 30 days, so they stay queued; the state dirs are built once into bench-data/.
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Spool } from '../src/spool/spool.js';
import type { ChunkInput } from '../src/spool/types.js';
import type { BenchData } from './data.js';
import { median } from './measure.js';
import { runTailOnce, startReceiver } from './tail.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

function prepare(messages: number): string {
  const dir = join(ROOT, 'bench-data', `queued-${messages}`);
  if (existsSync(join(dir, 'ready'))) return dir;
  process.stderr.write(`bench: queueing ${messages} filler messages in ${dir} ...\n`);
  const spool = Spool.open({ stateDir: dir });
  const record = Buffer.from(`{"type":"Delivery","id":"filler","note":"${'x'.repeat(150)}"}\n`);
  for (let done = 0; done < messages; ) {
    const chunks: ChunkInput[] = [];
    for (let i = 0; i < 5000 && done < messages; i++, done++) {
      chunks.push({ stream: '/filler/*', segment: '20260101-000000', segmentKey: '0000000000000000', lines: [done], body: record, ends: [record.length] });
    }
    spool.commit(chunks);
  }
  spool.close();
  const db = new Database(join(dir, 'queue.db'));
  db.prepare('UPDATE messages SET due_at = ?').run(Date.now() + 30 * 86_400_000);
  db.close();
  writeFileSync(join(dir, 'ready'), '');
  return dir;
}

/** Forget the read checkpoints so the next run reads the data again; the filler stays queued. */
function reset(dir: string): void {
  const db = new Database(join(dir, 'queue.db'));
  db.prepare('DELETE FROM checkpoints').run();
  db.close();
}

export async function benchQueued(data: BenchData, rounds = 2): Promise<Record<string, unknown>> {
  const small = prepare(50_000);
  const big = prepare(5_000_000);
  const rx = await startReceiver();
  try {
    const per: Record<string, number[]> = { small: [], big: [] };
    for (let r = 0; r < rounds; r++) {
      for (const [k, dir] of [['small', small], ['big', big]] as const) {
        reset(dir);
        const m = await runTailOnce(data, rx.url, ['--batch-size', '100'], dir);
        per[k]!.push((m.seconds / m.records) * 1e6);
      }
    }
    const s = median(per.small!);
    const b = median(per.big!);
    return {
      'µs per record, 50k queued': +s.toFixed(2),
      'µs per record, 5M queued': +b.toFixed(2),
      'ratio 5M / 50k (goal <= 1.2)': +(b / s).toFixed(2),
      goalMet: b / s <= 1.2,
      rounds,
    };
  } finally {
    await rx.stop();
  }
}
