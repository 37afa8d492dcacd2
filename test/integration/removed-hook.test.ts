// A hook removed from the configuration keeps its queue (status: removed, while a tail runs and
// after it by the last run's configuration) until
// `loghook dead purge --hook NAME --all` drops it, queued records and dead letters, with its body
// files (issue 6): real segments, real receivers, the built binary, two real tail runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, startCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { Receiver } from '../helpers/receiver.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { publishable } from './tail-support.js';

interface HookSt {
  name: string;
  records: number;
  dead: number;
  removed: boolean;
  total: { queued: number; delivered: number; dead: number } | null;
}

async function status(state: string): Promise<{ hooks: HookSt[]; queue: { records: number; deadCount: number } }> {
  const r = await runCli(['status', '--json', '--state-dir', state]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.toString());
}

async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The removed hook's queued rows whose bytes are in a body file, as another connection sees them. */
function fileBackedRows(state: string, hook: string): number {
  const db = new Database(join(state, 'queue.db'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM messages m JOIN queues q ON q.id = m.queue_id WHERE q.hook = ? AND m.file_id IS NOT NULL').pluck().get(hook) as number;
  } finally {
    db.close();
  }
}

const bodyFiles = (state: string) => (existsSync(join(state, 'bodies')) ? readdirSync(join(state, 'bodies')) : []);

test('a removed hook keeps its backlog until dead purge --hook NAME --all drops it and its body files; the other hook is untouched', async () => {
  const root = makeTempDir('loghook-removed-');
  const logs = join(root.path, 'logs');
  const state = join(root.path, 'state');
  mkdirSync(logs);
  let first = true;
  // `keep` refuses its first batch for good (50 dead letters), then takes everything
  const keep = await Receiver.start({ respond: () => (first ? ((first = false), { status: 422, body: 'no' }) : { status: 200 }) });
  const gone = await Receiver.start({ defaultResponse: { status: 503, body: 'down' } });
  try {
    writeSegment(logs, '20260101-000000.000000001', publishable(600));
    const config = (hooks: string) => {
      const file = join(root.path, 'loghook.toml');
      writeFileSync(file, `state_dir = "state"\nlog_format = "json"\n[source]\nlog_dirs = ["logs"]\npoll = "200ms"\n${hooks}`);
      return file;
    };
    const keepHook = `[[hook]]\nname = "keep"\nurl = "${keep.url}"\nbatch_size = 50\nconcurrency = 1\n`;
    const goneHook = `[[hook]]\nname = "gone"\nurl = "${gone.url}"\nbatch_size = 10\nconcurrency = 1\nretry_interval = "1h"\n`;

    // run 1: both hooks; `gone`'s receiver is down, its records stay queued
    const r1 = await runCli(['tail', '--config', config(keepHook + goneHook), '--once']);
    assert.equal(r1.code, 11, r1.stderr); // dead letters (keep's), over retries pending (gone's)
    let st = await status(state);
    const keepBefore = st.hooks.find((h) => h.name === 'keep')!;
    assert.deepEqual([keepBefore.records, keepBefore.dead, keepBefore.total?.delivered], [0, 50, 550]);
    assert.equal(st.hooks.find((h) => h.name === 'gone')!.records, 600);
    assert.ok(st.hooks.every((h) => !h.removed), 'the last run had both hooks');

    // still configured (the last run had it): --all keeps its queue, purges its dead letters only
    const kept = await runCli(['dead', 'purge', '--hook', 'gone', '--all', '--state-dir', state]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout.toString(), /^purged 0 dead letters; kept 600 queued records: hook 'gone' is in the configuration/);
    assert.equal((await status(state)).hooks.find((h) => h.name === 'gone')!.records, 600);

    // run 2: `gone` removed from the configuration; status shows it removed, with its backlog
    const goneRequests = gone.requests.length;
    const tail = startCli(['tail', '--config', config(keepHook)]);
    try {
      st = await until(() => status(state), (s) => s.hooks.some((h) => h.name === 'gone' && h.removed), 'status to show the removed hook');
      assert.equal(st.hooks.find((h) => h.name === 'gone')!.records, 600);
      const text = (await runCli(['status', '--state-dir', state])).stdout.toString();
      assert.match(text, /hook {8}gone \(removed from the configuration: its queue waits for a re-add or loghook dead purge --hook gone --all\)\n {2}queue {6}600 records/);
      // the running tail holds the lock: refused, naming it, and nothing goes
      const locked = await runCli(['dead', 'purge', '--hook', 'gone', '--all', '--state-dir', state]);
      assert.equal(locked.code, 3, locked.stderr);
      assert.ok(locked.stderr.includes(join(state, 'lock.db')), locked.stderr);
      assert.match(locked.stderr, /the running tail \(pid \d+\) holds it: stop that tail, then run this again \(nothing was purged/);
      assert.equal((await status(state)).hooks.find((h) => h.name === 'gone')!.records, 600);
    } finally {
      tail.child.kill('SIGTERM');
      const r = await tail.done;
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(gone.requests.length, goneRequests, 'a removed hook sends nothing');
    // no tail runs now: status still shows it removed, by the last run's configuration
    st = await status(state);
    assert.equal(st.hooks.find((h) => h.name === 'gone')!.removed, true);
    assert.equal(st.hooks.find((h) => h.name === 'keep')!.removed, false);
    assert.match((await runCli(['status', '--state-dir', state])).stdout.toString(), /hook {8}gone \(not in the last run's configuration: its queue waits for a re-add or loghook dead purge --hook gone --all\)\n {2}queue {6}600 records/);
    assert.ok(fileBackedRows(state, 'gone') > 0, 'some of its rows still have their bytes in a body file');
    assert.ok(bodyFiles(state).length > 0);

    // no tail runs, the hook is gone from the configuration: its queue goes
    const purged = await runCli(['dead', 'purge', '--hook', 'gone', '--all', '--state-dir', state]);
    assert.equal(purged.code, 0, purged.stderr);
    assert.match(purged.stdout.toString(), /^purged 0 dead letters and 600 queued records \(\d+ rows\) of hook 'gone', which is not in the configuration\n$/);
    st = await status(state);
    assert.deepEqual(st.hooks.map((h) => h.name), ['keep'], 'status shows nothing for it');
    assert.deepEqual(st.queue, { ...st.queue, records: 0, deadCount: 50 });
    const keepAfter = st.hooks[0]!;
    assert.deepEqual([keepAfter.records, keepAfter.dead, keepAfter.total], [keepBefore.records, keepBefore.dead, keepBefore.total]);
    const list = await runCli(['dead', 'list', '--hook', 'keep', '--state-dir', state]);
    assert.match(list.stdout.toString(), /50 shown, 50 dead letters in all/);
    const check = await runCli(['state', 'check', '--state-dir', state]);
    assert.equal(check.code, 0, check.stdout.toString() + check.stderr);
    assert.match(check.stdout.toString(), /whole\. .* 0 queued records in 0 rows, 0 body files/);
    assert.deepEqual(bodyFiles(state), [], 'no row refers to them any more: deleted');
  } finally {
    await Promise.all([keep.close(), gone.close()]);
    root.cleanup();
  }
});
