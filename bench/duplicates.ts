// Records sent again after a SIGKILL at full speed: a real `loghook tail` over finished segments,
// a real receiver counting every event id, killed mid-stream N times and restarted. A record that
// arrives in run k+1 but had arrived before was sent again because of kill k. The bound the
// README states: the requests in flight (batch_size x concurrency) plus the outcomes delivered
// but not yet committed (they are written at least every 100 ms: outcomes of up to 100 ms of
// deliveries, plus those of the commit that was running).
//   npm run bench -- duplicates      or   node dist/bench/duplicates.js [--batch N] [--kills K]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Receiver } from '../test/helpers/receiver.js';
import { startCli } from '../test/helpers/cli.js';
import { benchData } from './data.js';

export interface KillResult {
  batchSize: number;
  concurrency: number;
  kills: number;
  /** records sent again after each kill */
  copiesPerKill: number[];
  max: number;
  mean: number;
  /** records delivered per second in the runs (for the 100 ms of outcomes) */
  recordsPerSecond: number;
  inFlightBound: number;
}

export async function benchKills(o: { batchSize: number; concurrency?: number; kills?: number; runMs?: number }): Promise<KillResult> {
  const data = benchData(200_000, 50_000);
  const concurrency = o.concurrency ?? 8;
  const kills = o.kills ?? 8;
  const runMs = o.runMs ?? 1500;
  const seen = new Map<string, number>();
  let arrivals = 0;
  let again = 0;
  const rx = await Receiver.start({
    respond: (r) => {
      for (const id of Receiver.eventIdsOf(r)) {
        const n = seen.get(id) ?? 0;
        if (n > 0) again++;
        seen.set(id, n + 1);
        arrivals++;
      }
      return { status: 200 };
    },
  });
  // the receiver keeps no copies: the request bodies are not needed here
  const stateDir = mkdtempSync(join(tmpdir(), 'loghook-bench-dups-'));
  const copiesPerKill: number[] = [];
  let deliveringMs = 0;
  let delivered = 0;
  try {
    const args = ['tail', data.dir, '--url', rx.url, '--state-dir', stateDir, '--log-format', 'json', '--batch-size', String(o.batchSize), '--concurrency', String(concurrency)];
    for (let k = 0; k <= kills; k++) {
      const againBefore = again;
      const before = arrivals;
      const t = startCli(args);
      // kill once it has delivered for a while at full speed
      while (arrivals === before) await new Promise((r) => setTimeout(r, 5));
      const startedAt = Date.now();
      const started = arrivals;
      await new Promise((r) => setTimeout(r, runMs));
      rx.requests.length = 0;
      if (k > 0) copiesPerKill.push(again - againBefore);
      if (k === kills) {
        t.child.kill('SIGTERM');
      } else {
        t.child.kill('SIGKILL');
        deliveringMs += Date.now() - startedAt;
        delivered += arrivals - started;
      }
      await t.done;
      if (seen.size >= data.records) throw new Error('bench: every record delivered before the last kill: use more records or a shorter --run');
    }
  } finally {
    await rx.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
  return {
    batchSize: o.batchSize,
    concurrency,
    kills,
    copiesPerKill,
    max: Math.max(...copiesPerKill),
    mean: Math.round(copiesPerKill.reduce((a, b) => a + b, 0) / copiesPerKill.length),
    recordsPerSecond: Math.round((delivered / deliveringMs) * 1000),
    inFlightBound: o.batchSize * concurrency,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { batch: { type: 'string', default: '1' }, kills: { type: 'string', default: '8' }, concurrency: { type: 'string', default: '8' } } });
  const r = await benchKills({ batchSize: Number(values.batch), kills: Number(values.kills), concurrency: Number(values.concurrency) });
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
}
