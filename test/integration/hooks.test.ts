// Many hooks from one read (issue 6), through the built binary with a config file: real segments,
// real receivers on 127.0.0.1, the CLI as a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { Receiver, type ReceivedRequest } from '../helpers/receiver.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { publishable } from './tail-support.js';

interface Rec {
  type: string;
  id: string;
  queue: string;
  meta: Record<string, string>;
  [k: string]: unknown;
}

/** Generated records, with `tenants` tenants spread over them (queue `camp:tN@domain`, meta.tenant). */
function records(n: number, tenants = 8, seed = 1): string[] {
  return publishable(n, seed).map((line, i) => {
    const r = JSON.parse(line) as Rec;
    const t = `t${i % tenants}`;
    r.queue = `camp:${t}@example.net`;
    r.meta = { ...r.meta, tenant: t, opt_in: i % 3 === 0 ? 'yes' : 'no' };
    return JSON.stringify(r) + '\n';
  });
}

/** The records a request carried (one, or an array). */
function carried(r: ReceivedRequest): Rec[] {
  const v = JSON.parse(r.body.toString()) as Rec | Rec[];
  return Array.isArray(v) ? v : [v];
}

/** Each record's identity: its line in the segment, from the event id. */
const lineOf = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Env {
  root: TempDir;
  logs: string;
  state: string;
  write(name: string, text: string): string;
}

function env(): Env {
  const root = makeTempDir('loghook-hooks-');
  const logs = join(root.path, 'logs');
  mkdirSync(logs);
  return {
    root,
    logs,
    state: join(root.path, 'state'),
    write(name, text) {
      const p = join(root.path, name);
      writeFileSync(p, text);
      return p;
    },
  };
}

test('three hooks from one read: each receiver gets exactly its records, under the same event ids', async () => {
  const e = env();
  const all = await Receiver.start();
  const bounces = await Receiver.start();
  const optIn = await Receiver.start();
  try {
    const lines = records(600);
    writeSegment(e.logs, '20260101-000000.000000001', lines);
    const file = e.write(
      'loghook.toml',
      `state_dir = "state"\nlog_format = "json"\n[source]\nlog_dirs = ["logs"]\n` +
        `[[hook]]\nname = "all"\nurl = "${all.url}"\nbatch_size = 50\n` +
        `[[hook]]\nname = "bounces"\nurl = "${bounces.url}"\ntypes = ["Delivery", "Bounce"]\nbatch_size = 7\n` +
        `[[hook]]\nname = "opt-in"\nurl = "${optIn.url}"\n[hook.match]\n"meta.opt_in" = "yes"\ntype = "!Reception"\n`,
    );
    const r = await runCli(['tail', '--config', file, '--once']);
    assert.equal(r.code, 0, r.stderr);
    const recs = lines.map((l) => JSON.parse(l) as Rec);
    const expect = (keep: (r: Rec) => boolean) => recs.flatMap((r, i) => (keep(r) ? [i] : [])).sort((a, b) => a - b);
    const got = (rx: Receiver) => rx.eventIds().map(lineOf).sort((a, b) => a - b);
    assert.deepEqual(got(all), expect(() => true));
    assert.deepEqual(got(bounces), expect((x) => x.type === 'Delivery' || x.type === 'Bounce'));
    assert.deepEqual(got(optIn), expect((x) => x.meta.opt_in === 'yes' && x.type !== 'Reception'));
    // the records themselves, byte for byte, under ids that name the record in every hook
    for (const q of bounces.requests) for (const x of carried(q)) assert.ok(x.type === 'Delivery' || x.type === 'Bounce');
    const idsAll = new Set(all.eventIds());
    for (const id of optIn.eventIds()) assert.ok(idsAll.has(id), 'the same id in every hook');
    const st = JSON.parse((await runCli(['status', '--json', '--state-dir', e.state])).stdout.toString()) as { hooks: { name: string; records: number }[] };
    assert.deepEqual(st.hooks.map((h) => [h.name, h.records]).sort(), [['all', 0], ['bounces', 0], ['opt-in', 0]]);
  } finally {
    await Promise.all([all.close(), bounces.close(), optIn.close()]);
    e.root.cleanup();
  }
});

test('a URL template over 50 tenants with three endpoints down: the rest arrive meanwhile, all after recovery', async () => {
  const e = env();
  const down = new Set(['t3', 't17', 't42']);
  let recovered = false;
  const rx = await Receiver.start({ respond: (q) => (!recovered && down.has(q.url.split('/')[2]!) ? { status: 503, body: 'down' } : { status: 200 }) });
  try {
    const lines = records(1000, 50);
    writeSegment(e.logs, '20260101-000000.000000001', lines);
    const file = e.write(
      'loghook.toml',
      `state_dir = "state"\nlog_format = "json"\n[source]\nlog_dirs = ["logs"]\n` +
        `[[hook]]\nname = "customers"\nurl = "${rx.url.replace(/\/hook$/, '')}/t/{meta.tenant}/kumo"\nbatch_size = 10\nretry_interval = "300ms"\nmax_retry_interval = "600ms"\n`,
    );
    const tail = startCli(['tail', '--config', file]);
    try {
      const tenantOf = (q: ReceivedRequest) => q.url.split('/')[2]!;
      const upIds = () => new Set(rx.accepted().flatMap((q) => Receiver.eventIdsOf(q)));
      const expectedUp = lines.filter((_, i) => !down.has(`t${i % 50}`)).length;
      await until(() => upIds().size === expectedUp, 'every record of the 47 endpoints that are up');
      assert.ok(rx.requests.some((q) => down.has(tenantOf(q))), 'the down ones were tried');
      for (const q of rx.accepted()) for (const x of carried(q)) assert.equal(`t/${x.meta.tenant}`, q.url.split('/').slice(1, 3).join('/'), 'each record at its own endpoint');
      type St = { hooks: { name: string; records: number; running: { endpoints: { count: number; down: number } } | null }[] };
      let st: St | null = null;
      for (let i = 0; i < 40; i++) {
        st = JSON.parse((await runCli(['status', '--json', '--state-dir', e.state])).stdout.toString()) as St;
        if (st.hooks[0]?.running?.endpoints.count === 50) break;
        await new Promise((r) => setTimeout(r, 250)); // the runtime file is written every 2 s
      }
      assert.equal(st!.hooks[0]!.records, 60, 'the down endpoints keep their backlog');
      assert.equal(st!.hooks[0]!.running!.endpoints.count, 50);
      recovered = true;
      await until(() => upIds().size === lines.length, 'every record after the recovery');
    } finally {
      tail.child.kill('SIGTERM');
      const r = await tail.done;
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(new Set(rx.accepted().flatMap((q) => Receiver.eventIdsOf(q))).size, 1000);
  } finally {
    await rx.close();
    e.root.cleanup();
  }
});

test('a routes file changed during a run (route added, removed, URL changed): nothing lost, nothing sent twice', async () => {
  const e = env();
  const a1 = await Receiver.start();
  const a2 = await Receiver.start();
  const b = await Receiver.start();
  const fallback = await Receiver.start();
  try {
    const routes = (text: string) => {
      writeFileSync(join(e.root.path, 'routes.tmp'), text);
      renameSync(join(e.root.path, 'routes.tmp'), join(e.root.path, 'routes.toml'));
    };
    routes(`[t0]\nurl = "${a1.url}"\n[t1]\nurl = "${b.url}"\n`);
    const file = e.write(
      'loghook.toml',
      `state_dir = "state"\nlog_format = "json"\n[source]\nlog_dirs = ["logs"]\npoll = "200ms"\n` +
        `[[hook]]\nname = "routed"\nurl = "${fallback.url}"\nroutes = "routes.toml"\nroute_key = "{meta.tenant}"\ndefault_url = "${fallback.url}"\n`,
    );
    const tail = startCli(['tail', '--config', file]);
    try {
      const first = records(30, 3, 1); // t0, t1, t2 (t2 has no route: default_url)
      writeSegment(e.logs, '20260101-000000.000000001', first);
      await until(() => a1.eventIds().length === 10 && b.eventIds().length === 10 && fallback.eventIds().length === 10, 'the first records by the first routes');
      // t0 moves to a2, t1 is removed, t2 gets a route of its own
      routes(`[t0]\nurl = "${a2.url}"\n[t2]\nurl = "${b.url}"\n`);
      await until(() => tail.stderr().includes('routes file'), 'the reload');
      writeSegment(e.logs, '20260101-000100.000000001', records(30, 3, 2));
      await until(() => a2.eventIds().length === 10 && b.eventIds().length === 20 && fallback.eventIds().length === 20, 'the next records by the new routes');
    } finally {
      tail.child.kill('SIGTERM');
      const r = await tail.done;
      assert.equal(r.code, 0, r.stderr);
    }
    const every = [a1, a2, b, fallback].flatMap((rx) => rx.eventIds());
    assert.equal(every.length, 60, 'nothing sent twice');
    assert.equal(new Set(every).size, 60, 'nothing lost');
    assert.equal(a1.eventIds().length, 10, 'the old URL got nothing after the change');
  } finally {
    await Promise.all([a1.close(), a2.close(), b.close(), fallback.close()]);
    e.root.cleanup();
  }
});

test('a route removed while its records are queued (no default_url): they wait, visible in status, sent nowhere, and go once it is back', async () => {
  const e = env();
  const own = await Receiver.start(); // the hook's url: with routes and no default_url, nothing goes there
  const a = await Receiver.start();
  const down = await Receiver.start({ defaultResponse: { status: 503, body: 'down' } });
  const back = await Receiver.start();
  try {
    const routes = (text: string) => {
      writeFileSync(join(e.root.path, 'routes.tmp'), text);
      renameSync(join(e.root.path, 'routes.tmp'), join(e.root.path, 'routes.toml'));
    };
    const reloads = (tail: { stderr(): string }) => tail.stderr().split('\n').filter((l) => l.includes('routes file') && l.includes('changed')).length;
    routes(`[t0]\nurl = "${a.url}"\n[t1]\nurl = "${down.url}"\n`);
    const file = e.write(
      'loghook.toml',
      `state_dir = "state"\nlog_format = "json"\n[source]\nlog_dirs = ["logs"]\npoll = "200ms"\n` +
        `[[hook]]\nname = "routed"\nurl = "${own.url}"\nroutes = "routes.toml"\nroute_key = "{meta.tenant}"\nretry_interval = "200ms"\nmax_retry_interval = "400ms"\n`,
    );
    const lines = records(40, 2); // t0 and t1, 20 each
    const t1Lines = lines.flatMap((l, i) => (JSON.parse(l).meta.tenant === 't1' ? [i] : []));
    const tail = startCli(['tail', '--config', file]);
    try {
      writeSegment(e.logs, '20260101-000000.000000001', lines);
      await until(() => a.eventIds().length === 20 && down.requests.length >= 2, "t0's records delivered, t1's tried and failing");
      routes(`[t0]\nurl = "${a.url}"\n`); // t1's route is removed
      await until(() => reloads(tail) === 1, 'the reload without t1');
      // a request already on its way when the routes changed may still reach the old URL: let it land
      await new Promise((r) => setTimeout(r, 1000));
      const tried = down.requests.length;
      type St = { hooks: { name: string; records: number; dead: number }[]; queue: { records: number; deadCount: number } };
      const st = JSON.parse((await runCli(['status', '--json', '--state-dir', e.state])).stdout.toString()) as St;
      assert.deepEqual([st.queue.records, st.queue.deadCount], [20, 0], 'queued, not dead-lettered');
      assert.deepEqual(st.hooks.map((h) => [h.name, h.records, h.dead]), [['routed', 20, 0]]);
      // several retry intervals pass: the parked records go nowhere
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(down.requests.length, tried, 'not sent to the removed route');
      assert.equal(own.requests.length + back.requests.length, 0, "not sent to the hook's url or anywhere else");
      assert.equal(a.eventIds().length, 20);
      const later = JSON.parse((await runCli(['status', '--json', '--state-dir', e.state])).stdout.toString()) as St;
      assert.deepEqual([later.queue.records, later.queue.deadCount], [20, 0], 'still queued, still not dead');
      routes(`[t0]\nurl = "${a.url}"\n[t1]\nurl = "${back.url}"\n`); // back, at a new URL
      await until(() => back.eventIds().length >= 20, "t1's records at its route once it is back");
    } finally {
      tail.child.kill('SIGTERM');
      const r = await tail.done;
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(back.eventIds().map(lineOf).sort((x, y) => x - y), t1Lines, 'every queued record of the route, once');
    assert.equal(back.eventIds().length, 20, 'nothing sent twice');
    assert.equal(own.requests.length, 0);
    assert.equal(down.accepted().length, 0);
    const st = JSON.parse((await runCli(['status', '--json', '--state-dir', e.state])).stdout.toString()) as { queue: { records: number; deadCount: number } };
    assert.deepEqual([st.queue.records, st.queue.deadCount], [0, 0]);
  } finally {
    await Promise.all([own.close(), a.close(), down.close(), back.close()]);
    e.root.cleanup();
  }
});
