// The crash test with three hooks (issue 6): a writer appends to live segments while `loghook
// tail --config` feeds three hooks (every type; Delivery and Bounce; a meta match), each with its
// own receiver. tail is SIGKILLed at random moments (mid-commit, mid-request) and restarted. In
// the end every receiver holds every record its hook takes, at least once; a copy carries the
// event id of the first, and the checkpoint never ran ahead of any hook's queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/tmp.js';
import { runCli, startCli } from '../helpers/cli.js';
import { spawnNode, waitFor } from '../helpers/child.js';
import { seededRandom } from '../helpers/manual-clock.js';
import { Receiver } from '../helpers/receiver.js';

const WRITER = resolve(fileURLToPath(new URL('.', import.meta.url)), '../helpers/kumo-writer.js');
const KILLS = 22;

interface Rec {
  type: string;
  meta?: Record<string, unknown>;
  reception_protocol?: string;
}

test(`three hooks, tail SIGKILLed ${KILLS} times while kumod writes: every hook gets every record it takes, copies under the same id`, { timeout: 240_000 }, async () => {
  const rand = seededRandom(7);
  const respond = () => ({ status: 200, delayMs: Math.floor(rand() * 30) });
  const rxs = { all: await Receiver.start({ respond }), bounces: await Receiver.start({ respond }), acme: await Receiver.start({ respond }) };
  const root = makeTempDir('loghook-crash3-');
  const logs = join(root.path, 'logs');
  mkdirSync(logs);
  const state = join(root.path, 'state');
  const expectFile = join(root.path, 'expect.jsonl');
  const config = join(root.path, 'loghook.toml');
  writeFileSync(
    config,
    `state_dir = "${state}"\nlog_format = "json"\n[source]\nlog_dirs = ["${logs}"]\n` +
      `[[hook]]\nname = "all"\nurl = "${rxs.all.url}"\nbatch_size = 20\nconcurrency = 4\nretry_interval = "100ms"\n` +
      `[[hook]]\nname = "bounces"\nurl = "${rxs.bounces.url}"\ntypes = ["Delivery", "Bounce"]\nbatch_size = 5\nretry_interval = "100ms"\n` +
      `[[hook]]\nname = "acme"\nurl = "${rxs.acme.url}"\nretry_interval = "100ms"\n[hook.match]\n"meta.tenant" = "acme"\n`,
  );
  const writer = spawnNode(WRITER, ['--dir', logs, '--records', '15000', '--rate', '2500', '--segment-records', '3000', '--block-bytes', '32768', '--expect', expectFile]);
  const kills: number[] = [];
  try {
    let writerDone = false;
    void writer.exited.then(() => (writerDone = true));
    while (kills.length < KILLS || !writerDone) {
      const t = startCli(['tail', '--config', config]);
      await new Promise((r) => setTimeout(r, 200 + Math.floor(rand() * 500)));
      t.child.kill('SIGKILL');
      kills.push(Date.now());
      const r = await t.done;
      assert.equal(r.signal, 'SIGKILL', `run ${kills.length} ended before the kill: ${r.stderr}`);
    }
    assert.equal((await writer.exited).code, 0, writer.stderr);
    const lines = readFileSync(expectFile, 'utf8').split(/(?<=\n)/).filter((l) => !l.includes('"reception_protocol":"LogRecord"'));
    const recs = lines.map((l) => JSON.parse(l) as Rec);
    const expected = {
      all: lines,
      bounces: lines.filter((_, i) => recs[i]!.type === 'Delivery' || recs[i]!.type === 'Bounce'),
      acme: lines.filter((_, i) => recs[i]!.meta?.tenant === 'acme'),
    };
    assert.ok(expected.acme.length > 100 && expected.bounces.length > 1000);

    const last = startCli(['tail', '--config', config]);
    const received = (rx: Receiver) => new Set(rx.accepted().flatMap((q) => Receiver.parseBody(q).map((r) => JSON.stringify(r) + '\n')));
    for (const name of ['all', 'bounces', 'acme'] as const) {
      await waitFor(() => received(rxs[name]).size >= expected[name].length, { what: `every record at ${name}`, timeoutMs: 90_000, intervalMs: 200 });
    }
    last.child.kill('SIGTERM');
    assert.equal((await last.done).code, 0);

    const report: string[] = [];
    for (const name of ['all', 'bounces', 'acme'] as const) {
      const rx = rxs[name];
      const got = received(rx);
      // exactly its records: none missing, none that the hook does not take
      const want = new Set(expected[name]);
      assert.equal(expected[name].filter((l) => !got.has(l)).length, 0, `${name}: records never arrived`);
      assert.equal([...got].filter((l) => !want.has(l)).length, 0, `${name}: records it does not take`);
      const idOf = new Map<string, string>();
      let copies = 0;
      for (const q of rx.accepted()) {
        const ids = Receiver.eventIdsOf(q);
        Receiver.parseBody(q).forEach((r, i) => {
          const rec = JSON.stringify(r);
          const seen = idOf.get(rec);
          if (seen === undefined) idOf.set(rec, ids[i]!);
          else {
            copies++;
            assert.equal(ids[i], seen, `${name}: a copy carries the event id of its first`);
          }
        });
      }
      report.push(`${name} ${want.size} records, ${copies} copies`);
    }
    // one id per record across hooks
    const idAll = new Map<string, string>();
    for (const q of rxs.all.accepted()) Receiver.parseBody(q).forEach((r, i) => idAll.set(JSON.stringify(r), Receiver.eventIdsOf(q)[i]!));
    for (const q of rxs.acme.accepted()) Receiver.parseBody(q).forEach((r, i) => assert.equal(Receiver.eventIdsOf(q)[i], idAll.get(JSON.stringify(r)), 'the same id in every hook'));
    const st = JSON.parse((await runCli(['status', '--json', '--state-dir', state])).stdout.toString()) as { queue: { records: number; deadCount: number } };
    assert.equal(st.queue.records, 0);
    assert.equal(st.queue.deadCount, 0);
    process.stderr.write(`crash test, three hooks: ${kills.length} kills; ${report.join('; ')}\n`);
  } finally {
    writer.process.kill('SIGKILL');
    await writer.exited.catch(() => undefined);
    await Promise.all(Object.values(rxs).map((rx) => rx.close()));
    root.cleanup();
  }
});
