// `loghook cat DIR > /dev/null` against `zstd -dc DIR/* > /dev/null` (the physical limit), in the
// same run, interleaved, with and without a type filter.
import { BIN, type BenchData } from './data.js';
import { measure, median } from './measure.js';

export async function benchCat(data: BenchData, rounds = 3): Promise<Record<string, unknown>> {
  const keys = ['zstd', 'cat', 'types', 'zstdPipe', 'catPipe', 'typesPipe'] as const;
  const runs = Object.fromEntries(keys.map((k) => [k, { s: [] as number[], rss: [] as number[] }])) as Record<(typeof keys)[number], { s: number[]; rss: number[] }>;
  const node = process.execPath;
  for (let r = 0; r < rounds; r++) {
    const z = await measure('sh', ['-c', `zstd -dc ${data.dir}/* > /dev/null`]);
    const c = await measure(node, [BIN, 'cat', data.dir]);
    const t = await measure(node, [BIN, 'cat', '--types', 'Delivery,Bounce', data.dir]);
    // through a pipe, as `loghook cat DIR | jq ...` runs
    const zp = await measure('sh', ['-c', `zstd -dc ${data.dir}/* | wc -l > /dev/null`]);
    const cp = await measure('sh', ['-c', `${node} ${BIN} cat ${data.dir} | wc -l > /dev/null`]);
    const tp = await measure('sh', ['-c', `${node} ${BIN} cat --types Delivery,Bounce ${data.dir} | wc -l > /dev/null`]);
    for (const [k, m] of [['zstd', z], ['cat', c], ['types', t], ['zstdPipe', zp], ['catPipe', cp], ['typesPipe', tp]] as const) {
      if (m.code !== 0) throw new Error(`${k} failed (${m.code}): ${m.stderr}`);
      runs[k]!.s.push(m.seconds);
      runs[k]!.rss.push(m.peakRssMb);
    }
  }
  const z = median(runs.zstd.s);
  const c = median(runs.cat.s);
  const t = median(runs.types.s);
  const zp = median(runs.zstdPipe.s);
  const cp = median(runs.catPipe.s);
  const tp = median(runs.typesPipe.s);
  const mb = data.uncompressedBytes / 1e6;
  const speed = (s: number) => ({ seconds: +s.toFixed(3), recordsPerSec: Math.round(data.records / s), mbPerSec: Math.round(mb / s) });
  const row = (s: number, rss: number[]) => ({ seconds: +s.toFixed(3), recordsPerSec: Math.round(data.records / s), mbPerSec: Math.round(mb / s), peakRssMb: Math.round(Math.max(...rss)) });
  return {
    'zstd -dc (reference)': row(z, runs.zstd.rss),
    'loghook cat': row(c, runs.cat.rss),
    'loghook cat --types Delivery,Bounce': row(t, runs.types.rss),
    'ratio cat / zstd (goal >= 0.5)': +(z / c).toFixed(2),
    'ratio --types / no filter (goal >= 1.0)': +(c / t).toFixed(2),
    'through a pipe (| wc -l)': {
      'zstd -dc': speed(zp),
      'loghook cat': speed(cp),
      'loghook cat --types Delivery,Bounce': speed(tp),
      'ratio cat / zstd': +(zp / cp).toFixed(2),
      'ratio --types / no filter': +(cp / tp).toFixed(2),
    },
    rounds,
  };
}
