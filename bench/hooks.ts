// Hooks (issue 6): one hook (the flags form) against four hooks fed by one read, and one hook
// over 1,000 tenant endpoints (all up, then with 10 of them answering 503), on the same generated
// data in the same run, light receivers in their own process. loghook's CPU (user + sys of the
// tail process, read from /proc just before it exits) per record and per hook-delivery.
//   npm run bench -- hooks
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRecordGenerator, segmentName } from '../test/helpers/records.js';
import { SegmentWriter } from '../test/helpers/segment-writer.js';
import { BIN } from './data.js';
import { measure, median } from './measure.js';
import { startReceiver, type RunningReceiver } from './tail.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** ~1 KB records with meta.tenant over 1,000 values and meta.group over 100. */
function tenantData(records: number): { dir: string; records: number } {
  const dir = join(ROOT, 'bench-data', `tenants-${records}`, 'segments');
  const meta = join(dir, '..', 'meta.json');
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8')) as { dir: string; records: number };
  rmSync(join(dir, '..'), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`bench: generating ${records} tenant records into ${dir} ...\n`);
  const gen = createRecordGenerator({ seed: 3 });
  const perSegment = 200_000;
  let n = 0;
  for (let s = 0; n < records; s++) {
    const w = SegmentWriter.create(dir, segmentName(gen.now() + s));
    let chunk = '';
    for (let i = 0; i < perSegment && n < records; i++, n++) {
      chunk += gen.nextLine().replace(/"meta":\{"tenant":"[^"]*"/, `"meta":{"tenant":"t${n % 1000}","group":"g${n % 100}"`);
      if (chunk.length >= 1 << 20) {
        w.write(chunk);
        chunk = '';
      }
    }
    if (chunk) w.write(chunk);
    w.finish();
  }
  const out = { dir, records: n };
  writeFileSync(meta, JSON.stringify(out));
  return out;
}

interface Run {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  delivered: number;
}

/** `loghook tail --once --config FILE`, its wall time, CPU and peak RSS. */
async function runTail(configText: string, data: { dir: string }): Promise<Run> {
  const tmp = mkdtempSync(join(tmpdir(), 'loghook-bench-hooks-'));
  const file = join(tmp, 'loghook.toml');
  writeFileSync(file, `state_dir = "${join(tmp, 'state')}"\nlog_format = "json"\nmax_queue = "1000GiB"\n[source]\nlog_dirs = ["${data.dir}"]\n${configText}`);
  try {
    const m = await measure(process.execPath, [BIN, 'tail', '--config', file, '--once']);
    if (m.code !== 0 && m.code !== 10) throw new Error(`tail exited ${m.code}: ${m.stderr.slice(-1500)}`);
    const end = m.stderr.split('\n').filter((l) => l.includes('"caught up"') || l.includes('"done for now')).map((l) => JSON.parse(l) as { delivered: number })[0];
    return { seconds: m.seconds, cpuSeconds: m.cpuSeconds, peakRssMb: m.peakRssMb, delivered: end?.delivered ?? 0 };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const hook = (name: string, url: string, extra = '') => `[[hook]]\nname = "${name}"\nurl = "${url}"\nbatch_size = 100\n${extra}`;

export async function benchHooks(rounds = 3): Promise<Record<string, unknown>> {
  const data = tenantData(1_000_000);
  const rxs: RunningReceiver[] = [];
  for (let i = 0; i < 4; i++) rxs.push(await startReceiver());
  const base = (i: number) => rxs[i]!.url.replace(/\/hook$/, '');
  const failing = await startFailingReceiver(10);
  try {
    const cases: Record<string, () => string> = {
      'one hook': () => hook('default', rxs[0]!.url),
      'four hooks': () =>
        hook('all', rxs[0]!.url) +
        hook('bounces', rxs[1]!.url, 'types = ["Delivery", "Bounce"]\n') +
        hook('meta', rxs[2]!.url, '[hook.match]\n"meta.group" = ["g1*", "g2*"]\n') +
        hook('groups', `${base(3)}/g/{meta.group}`),
      '1000 tenants': () => hook('tenants', `${base(0)}/t/{meta.tenant}`),
      '1000 tenants, 10 answering 503': () => hook('tenants', `${failing.url}/t/{meta.tenant}`, 'retry_interval = "1h"\n'),
    };
    const runs = new Map<string, Run[]>();
    for (let r = 0; r < rounds; r++) {
      for (const [name, cfg] of Object.entries(cases)) {
        const list = runs.get(name) ?? [];
        list.push(await runTail(cfg(), data));
        runs.set(name, list);
      }
    }
    const med = (name: string, f: (x: Run) => number) => median(runs.get(name)!.map(f));
    const one = { rps: med('one hook', (x) => x.delivered / x.seconds), cpuUs: med('one hook', (x) => (x.cpuSeconds / x.delivered) * 1e6) };
    const four = runs.get('four hooks')!;
    const fourCpuPerDelivery = median(four.map((x) => (x.cpuSeconds / x.delivered) * 1e6));
    const tenants = med('1000 tenants', (x) => x.delivered / x.seconds);
    const failingUp = med('1000 tenants, 10 answering 503', (x) => x.delivered / x.seconds);
    const rss = (name: string) => Math.round(Math.max(...runs.get(name)!.map((x) => x.peakRssMb)));
    return {
      records: data.records,
      'one hook, batch 100': { recordsPerSec: Math.round(one.rps), cpuUsPerRecord: +one.cpuUs.toFixed(2), peakRssMb: rss('one hook') },
      'four hooks': {
        hookDeliveries: Math.round(median(four.map((x) => x.delivered))),
        seconds: +median(four.map((x) => x.seconds)).toFixed(2),
        cpuUsPerHookDelivery: +fourCpuPerDelivery.toFixed(2),
        'ratio to one-hook CPU per record': +(fourCpuPerDelivery / one.cpuUs).toFixed(2),
        peakRssMb: rss('four hooks'),
      },
      '1000 tenant endpoints': { recordsPerSec: Math.round(tenants), 'ratio to one hook': +(tenants / one.rps).toFixed(2), peakRssMb: rss('1000 tenants') },
      '1000 tenants, 10 answering 503': {
        deliveredPerSec: Math.round(failingUp),
        'ratio of the 990 up to all-up': +(failingUp / (tenants * 0.99)).toFixed(2),
        peakRssMb: rss('1000 tenants, 10 answering 503'),
      },
      goals: {
        'one hook >= 200k/s': one.rps >= 200_000,
        'four hooks CPU per hook-delivery <= 0.8x': fourCpuPerDelivery / one.cpuUs <= 0.8,
        'four hooks RSS <= 200 MB': rss('four hooks') <= 200,
        'tenants >= 0.7x one hook': tenants / one.rps >= 0.7,
        'tenants RSS <= 200 MB': rss('1000 tenants') <= 200,
        '10 failing: others >= 0.9x': failingUp / (tenants * 0.99) >= 0.9,
      },
      rounds,
    };
  } finally {
    for (const rx of rxs) rx.child.kill('SIGKILL');
    failing.child.kill('SIGKILL');
  }
}

/** A receiver in its own process that answers 503 to the first `n` tenants' paths, 200 to the rest. */
async function startFailingReceiver(n: number): Promise<{ url: string; child: ReturnType<typeof spawn> }> {
  const code = `const http=require('http');const s=http.createServer((q,r)=>{q.resume();q.on('end',()=>{const t=Number((q.url.split('/')[2]||'t').slice(1));r.writeHead(t<${n}?503:200,{'content-length':'0'});r.end();});});s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log('port '+s.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((res) => child.stdout!.setEncoding('utf8').once('data', (s: string) => res(s.trim().slice(5))));
  return { url: `http://127.0.0.1:${port}`, child };
}
