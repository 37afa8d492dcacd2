// `node dist/bench/match.js [records]`: what judging and routing costs per record on the hot path,
// in records/s on one core, against a JSON.parse-only reference (utf8 decode + JSON.parse of every
// line) measured in the same run, interleaved (the machines are shared: read the ratios first).
// Records are the generator's (~1 KB, kumod's compact form), in one buffer as a decode batch holds
// them; every case makes one RecordView per record, as the fan-out will.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileHook, type Hook, type HookInput } from '../src/hook/hook.js';
import { RouteTable } from '../src/hook/routes.js';
import { RecordView } from '../src/record/view.js';
import { createRecordGenerator } from '../test/helpers/records.js';
import { makeTempDir } from '../test/helpers/tmp.js';

const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = 5;

const g = createRecordGenerator({ seed: 42 });
const text = Array.from({ length: N }, () => g.nextLine());
const buf = Buffer.from(text.join(''));
const bounds = new Int32Array(N + 1);
for (let i = 0, o = 0; i <= N; i++) {
  bounds[i] = o;
  if (i < N) o += Buffer.byteLength(text[i]!);
}

// A routes file of 1,000 tenants, the generator's eight among them.
const tmp = makeTempDir('loghook-bench-');
const routesPath = join(tmp.path, 'routes.toml');
const tenants = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka'];
writeFileSync(routesPath, [...tenants, ...Array.from({ length: 992 }, (_, i) => `tenant-${i}`)].map((t) => `[${t}]\nurl = "https://${t}.hooks.example/kumo"\n`).join(''));
const table = new RouteTable(routesPath, { pollMs: 0, watch: false });

const hooks: Record<string, HookInput[]> = {
  'type-only (types = Delivery, Bounce)': [{ name: 't', url: 'https://h.example/k', types: ['Delivery', 'Bounce'] }],
  'one meta match (meta.customer_ref = "cr-1*")': [{ name: 'm', url: 'https://h.example/k', match: { 'meta.customer_ref': 'cr-1*' } }],
  'template over tenant (https://h.example/{tenant}/kumo)': [{ name: 'u', url: 'https://h.example/{tenant}/kumo' }],
  'types + template (Bounce, TransientFailure -> {tenant})': [{ name: 'b', url: 'https://h.example/{tenant}/kumo', types: ['Bounce', 'TransientFailure'] }],
  'routes by tenant (1,000 routes)': [{ name: 'r', routes: table, routeKey: 'tenant' }],
  'the three first together (one parse shared)': [
    { name: 't', url: 'https://h.example/k', types: ['Delivery', 'Bounce'] },
    { name: 'm', url: 'https://h.example/k', match: { 'meta.customer_ref': 'cr-1*' } },
    { name: 'u', url: 'https://h.example/{tenant}/kumo' },
  ],
};

let sink = 0; // keeps the work observable so that nothing is optimized away

function reference(): void {
  for (let i = 0; i < N; i++) sink += (JSON.parse(buf.toString('utf8', bounds[i]!, bounds[i + 1]!)) as { type: string }).type.length;
}

function run(hs: Hook[]): void {
  for (let i = 0; i < N; i++) {
    const view = new RecordView(buf, bounds[i]!, bounds[i + 1]!);
    for (const h of hs) {
      if (!h.keep(view)) continue;
      const r = h.route(view);
      sink += 'endpoint' in r ? r.endpoint.length : 1;
    }
  }
}

const time = (fn: () => void): number => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const compiled = Object.entries(hooks).map(([name, cfgs]) => ({ name, hs: cfgs.map(compileHook), s: [] as number[] }));
const ref: number[] = [];
for (let r = 0; r < ROUNDS + 1; r++) {
  const warm = r === 0; // the first round only warms up the JIT
  const t = time(reference);
  if (!warm) ref.push(t);
  for (const c of compiled) {
    const s = time(() => run(c.hs));
    if (!warm) c.s.push(s);
  }
}
table.close();
tmp.cleanup();

const refS = median(ref);
const out: Record<string, unknown> = {
  records: N,
  mbPerRound: +(buf.length / 1e6).toFixed(1),
  'JSON.parse only (reference)': { recordsPerSec: Math.round(N / refS) },
};
for (const c of compiled) {
  const s = median(c.s);
  out[c.name] = { recordsPerSec: Math.round(N / s), 'x reference': +(refS / s).toFixed(2) };
}
out.rounds = ROUNDS;
out.sink = sink > 0;
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
