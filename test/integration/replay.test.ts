// `loghook replay`: a time window of history delivered again from a state dir of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Receiver } from '../helpers/receiver.js';
import { runCli, startCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/child.js';
import { makeTempDir } from '../helpers/tmp.js';
import { Spool } from '../../src/spool/spool.js';
import { setup } from './tail-support.js';
import { T0, range, receivedTimes, segmentAt, timedLines } from '../replay/support.js';

/** A config file naming the live state dir and the log dir, with one hook nobody replays to. */
function configFor(dir: string, stateDir: string, logDir: string): string {
  const file = join(dir, 'loghook.toml');
  writeFileSync(file, `state_dir = "${stateDir}"\n[source]\nlog_dirs = ["${logDir}"]\n[[hook]]\nname = "live"\nurl = "http://127.0.0.1:9/never"\n`);
  return file;
}

const iso = (s: number) => new Date((T0 + s) * 1000).toISOString();

/** Checkpoints and queues of a state dir, as text, to compare before and after. */
function liveState(dir: string): string {
  const spool = Spool.open({ stateDir: dir, readOnly: true });
  try {
    return JSON.stringify({ checkpoints: spool.checkpointsDetail(), queues: spool.queues() });
  } finally {
    spool.close();
  }
}

test('replay delivers only the records of the window (--until exclusive) and leaves the live checkpoint and queue alone while tail holds them', async () => {
  const env = await setup();
  const rx2 = await Receiver.start();
  const files = makeTempDir('loghook-config-');
  try {
    segmentAt(env.logs.path, 0, timedLines(0, 10));
    segmentAt(env.logs.path, 100, timedLines(100, 10, 2));
    segmentAt(env.logs.path, 200, timedLines(200, 10, 3));
    const tail = env.start([]); // following: it holds the live state dir
    await env.rx.waitForRequests(30, 10_000);
    await waitFor(() => liveState(env.state.path).includes('done_through'), { what: 'the live checkpoint' });
    await new Promise((r) => setTimeout(r, 300)); // the live tail's last commit of outcomes
    const before = liveState(env.state.path);

    // the config names the live state dir: the replay's default state dir goes under it
    const r = await runCli(['replay', env.logs.path, '--since', iso(5), '--until', iso(105), '--url', rx2.url, '--config', configFor(files.path, env.state.path, env.logs.path), '--log-format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(receivedTimes(rx2), [...range(5, 10), ...range(100, 105)]);
    assert.equal(liveState(env.state.path), before);
    assert.equal(tail.child.exitCode, null, 'tail still runs');
    tail.child.kill('SIGTERM');
    assert.equal((await tail.done).code, 0);
    assert.equal(env.rx.requests.length, 30, 'the live receiver got nothing more');
  } finally {
    files.cleanup();
    await rx2.close();
    await env.close();
  }
});

test('replay in its default state dir resumes when run again and removes that dir once complete', async () => {
  const env = await setup({ defaultResponse: { status: 200, delayMs: 15 } });
  const files = makeTempDir('loghook-config-');
  try {
    segmentAt(env.logs.path, 0, timedLines(0, 300));
    const args = ['replay', '--since', iso(0), '--url', env.rx.url, '--config', configFor(files.path, env.state.path, env.logs.path), '--log-format', 'json'];
    const first = startCli(args);
    await env.rx.waitForRequests(50, 20_000);
    first.child.kill('SIGKILL');
    await first.done;
    const dirs = readdirSync(join(env.state.path, 'replay'));
    assert.equal(dirs.length, 1, 'made under <state_dir>/replay');
    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /replay resumed/);
    assert.deepEqual([...new Set(receivedTimes(env.rx))], range(0, 300));
    assert.deepEqual(readdirSync(join(env.state.path, 'replay')), [], 'removed once complete');
    const third = await runCli(args);
    assert.match(third.stderr, /replay started/, 'the next run starts afresh');
  } finally {
    files.cleanup();
    await env.close();
  }
});

test('replay killed with SIGKILL and run again with its --state-dir delivers every record of the window, with the ids tail gives them', async () => {
  const env = await setup({ defaultResponse: { status: 200, delayMs: 15 } });
  const own = makeTempDir('loghook-replay-');
  const ref = await Receiver.start();
  const refState = makeTempDir('loghook-ref-');
  try {
    for (let s = 0; s < 4; s++) segmentAt(env.logs.path, s * 1000, timedLines(s * 1000, 300, s + 1));
    const window = ['--since', iso(150), '--until', iso(2200)];
    // what tail sends for the same records: the reference ids, by timestamp
    const t = await runCli(['tail', '--once', env.logs.path, '--url', ref.url, '--state-dir', refState.path, '--log-format', 'json']);
    assert.equal(t.code, 0, t.stderr);
    const idOf = new Map<number, string>();
    for (const q of ref.requests) idOf.set((Receiver.parseBody(q)[0] as { timestamp: number }).timestamp - T0, Receiver.eventIdsOf(q)[0]!);
    const want = [...idOf].filter(([ts]) => ts >= 150 && ts < 2200).map(([, id]) => id).sort();
    assert.equal(want.length, 150 + 300 + 200);

    const args = ['replay', env.logs.path, ...window, '--url', env.rx.url, '--state-dir', own.path, '--log-format', 'json', '--concurrency', '2'];
    const first = startCli(args);
    await env.rx.waitForRequests(100, 20_000);
    first.child.kill('SIGKILL');
    await first.done;
    const got = env.rx.requests.length;
    assert.ok(got < want.length, `killed part-way (${got} of ${want.length})`);
    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /replay resumed/);
    assert.deepEqual([...new Set(env.rx.eventIds())].sort(), want);
  } finally {
    await ref.close();
    own.cleanup();
    refState.cleanup();
    await env.close();
  }
});

test('replay --dry-run counts per type what the hook would get, and sends nothing', async () => {
  const env = await setup();
  const files = makeTempDir('loghook-config-');
  try {
    const lines = timedLines(0, 200);
    segmentAt(env.logs.path, 0, lines);
    const config = join(files.path, 'loghook.toml');
    writeFileSync(config, `state_dir = "${env.state.path}"\n[source]\nlog_dirs = ["${env.logs.path}"]\n[[hook]]\nname = "bounces"\nurl = "${env.rx.url}"\ntypes = ["Bounce", "TransientFailure"]\n[[hook]]\nname = "all"\nurl = "${env.rx.url}"\n`);
    const r = await runCli(['replay', '--config', config, '--hook', 'bounces', '--since', iso(50), '--until', iso(150), '--dry-run', '--log-format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const want: Record<string, number> = {};
    for (const l of lines.slice(50, 150)) {
      const type = (JSON.parse(l) as { type: string }).type;
      if (type === 'Bounce' || type === 'TransientFailure') want[type] = (want[type] ?? 0) + 1;
    }
    const out = JSON.parse(r.stdout.toString()) as { records: number; byType: Record<string, number>; outsideWindow: number };
    assert.deepEqual(out.byType, want);
    assert.equal(out.records, Object.values(want).reduce((a, b) => a + b, 0));
    assert.ok(out.records > 0);
    assert.equal(out.outsideWindow, 100);
    assert.equal(env.rx.requests.length, 0);
    assert.equal(existsSync(join(env.state.path, 'replay')), false, 'no state dir made');
  } finally {
    files.cleanup();
    await env.close();
  }
});
