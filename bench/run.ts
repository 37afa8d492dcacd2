// `npm run bench [-- section...]`: the benchmarks, each measured against a reference in the same
// run (the machines are shared and noisy: read the ratios first). Sections: cat, tail, queued, latency, hooks, duplicates, replay, metrics, disk, drain.
import { benchData } from './data.js';
import { benchCat } from './cat.js';
import { benchTail } from './tail.js';
import { benchQueued } from './queued.js';
import { benchLatency } from './latency.js';
import { benchHooks } from './hooks.js';
import { benchKills } from './duplicates.js';
import { benchReplay } from './replay.js';
import { benchMetrics } from './metrics.js';
import { benchDisk } from './disk.js';
import { benchDrain } from './drain.js';

const sections: Record<string, () => Promise<Record<string, unknown>>> = {
  cat: () => benchCat(benchData()),
  tail: () => benchTail(benchData()),
  queued: () => benchQueued(benchData()),
  hooks: () => benchHooks(),
  duplicates: async () => ({ 'batch 1': await benchKills({ batchSize: 1, kills: 6 }), 'batch 100': await benchKills({ batchSize: 100, kills: 6 }) }),
  replay: () => benchReplay(benchData()),
  metrics: () => benchMetrics(benchData()),
  disk: async () => benchDisk(),
  drain: () => benchDrain(),
  latency: async () => ({ 'batch 100': await benchLatency({ batchSize: 100 }), 'batch 1': await benchLatency({ batchSize: 1, rate: 2000, records: 20_000 }) }),
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(sections);
for (const name of wanted) {
  const run = sections[name];
  if (!run) {
    process.stderr.write(`bench: unknown section ${name} (known: ${Object.keys(sections).join(', ')})\n`);
    process.exit(2);
  }
  const started = Date.now();
  const result = await run();
  process.stdout.write(`\n## ${name} (${((Date.now() - started) / 1000).toFixed(0)} s)\n${JSON.stringify(result, null, 2)}\n`);
}
