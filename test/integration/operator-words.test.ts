// What an operator reads (issue 9 "words an operator reads right"): the empty log dir warning,
// endpoint states in plain words, counts in every summary, one prefix per line, `behind` the
// same everywhere, no negative ages. The built binary, real segments, real receivers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { logLines, runCli, startCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/child.js';
import { makeTempDir } from '../helpers/tmp.js';
import { publishable, segment, setup } from './tail-support.js';

const status = async (state: string) => JSON.parse((await runCli(['status', '--json', '--state-dir', state])).stdout.toString());
const statusText = async (state: string) => (await runCli(['status', '--state-dir', state])).stdout.toString();

test('a log directory with no segments: one warning at start, and status says it until a segment appears', async () => {
  const env = await setup();
  try {
    const r = await env.tail(['--once']);
    assert.equal(r.code, 0, r.stderr);
    const warning = `no kumod segments in ${env.logs.path}; is it kumod's \`log_dir\`?`;
    assert.deepEqual(logLines(r.stderr).filter((l) => l.level === 'warn').map((l) => l.msg), [warning]);
    assert.deepEqual((await status(env.state.path)).emptyDirs, [env.logs.path]);
    assert.ok((await statusText(env.state.path)).includes(`warning     ${warning}`));
    segment(env, '20260101-000000.000000001', publishable(1));
    assert.deepEqual((await status(env.state.path)).emptyDirs, [], 'a segment there now: no warning');
    assert.ok(!(await statusText(env.state.path)).includes('no kumod segments'));
  } finally {
    await env.close();
  }
});

test('endpoint state is healthy/down in status text, status JSON and summary lines, never closed/open', async () => {
  const env = await setup();
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const dir = makeTempDir('loghook-words-');
  try {
    const file = join(dir.path, 'loghook.toml');
    writeFileSync(file, `state_dir = "${env.state.path}"\nlog_format = "json"\nsummary_interval = "200ms"\n[source]\nlog_dirs = ["${env.logs.path}"]\n[[hook]]\nname = "up"\nurl = "${env.rx.url}"\n[[hook]]\nname = "gone"\nurl = "http://127.0.0.1:${port}/hook"\n`);
    segment(env, '20260101-000000.000000001', publishable(5));
    const c = startCli(['tail', '--config', file]);
    try {
      const st = await waitFor(async () => {
        const r = await runCli(['status', '--json', '--state-dir', env.state.path]);
        const s = r.code === 0 ? JSON.parse(r.stdout.toString()) : null; // no state dir before the tail made it
        return s?.running.alive && s.running.endpoint === 'down' ? s : null;
      }, { timeoutMs: 8000, what: 'the endpoint reported down' });
      const states = Object.fromEntries(st.running.hooks.map((h: { name: string; endpoints: { listed: { state: string }[] } }) => [h.name, h.endpoints.listed.map((e) => e.state)]));
      assert.deepEqual(states, { up: ['healthy'], gone: ['down'] });
      const text = await statusText(env.state.path);
      assert.match(text, /\/hook: down, backlog 5/);
      assert.match(text, /\/hook: healthy, backlog 0/);
      assert.match(text, /endpoints down/);
      assert.doesNotMatch(text, /\b(closed|open)\b/);
      await waitFor(() => logLines(c.stderr()).some((l) => l.msg === 'summary' && l['endpoint'] === 'down'), { timeoutMs: 5000, what: 'a summary line' });
    } finally {
      c.child.kill('SIGTERM');
      await c.done;
    }
    const summary = logLines(c.stderr()).find((l) => l.msg === 'summary' && l['hook'] === undefined)!;
    assert.equal(summary['filtered'], 0, 'filtered is always there');
    assert.equal(summary['unrouted'], 0, 'unrouted is always there');
    assert.equal(summary['behind'], 0, 'one finished segment read: nothing behind');
  } finally {
    await env.close();
    dir.cleanup();
  }
});

test('filtered and unrouted counts are in the final line of --once', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(40));
    const r = await env.tail(['--once', '--types', 'Bounce']);
    assert.equal(r.code, 0, r.stderr);
    const end = logLines(r.stderr).find((l) => l.msg === 'caught up')!;
    assert.ok(Number(end['filtered']) > 0, r.stderr);
    assert.equal(Number(end['filtered']) + Number(end['delivered']), 40);
    assert.equal(end['unrouted'], 0);
    assert.equal(end['read'], 40);
  } finally {
    await env.close();
  }
});

test('behind is the same number in status text and JSON: whole segments after the one being read', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(2));
    assert.equal((await env.tail(['--once'])).code, 0);
    const caughtUp = await status(env.state.path);
    assert.equal(caughtUp.streams[0].behind, 0);
    assert.match(await statusText(env.state.path), /^ {2}behind {5}caught up/m);
    for (const n of [2, 3, 4]) segment(env, `20260101-00000${n}.000000001`, publishable(2, n));
    const st = await status(env.state.path);
    assert.equal(st.streams[0].segmentsBehind, 3);
    assert.equal(st.streams[0].behind, 2);
    assert.match(await statusText(env.state.path), /^ {2}behind {5}2 segments \(/m);
  } finally {
    await env.close();
  }
});

test('text logs carry one loghook: prefix on every line, never two', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(2));
    const r = await env.tail(['--once', '--log-format', 'text']);
    const lines = r.stderr.trimEnd().split('\n');
    assert.ok(lines.length >= 2);
    for (const l of lines) {
      assert.match(l, /^loghook: /);
      assert.doesNotMatch(l, /^loghook: loghook\b/);
    }
  } finally {
    await env.close();
  }
});

test('status shows no negative age when the runtime file is from a clock ahead of this one', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(1));
    assert.equal((await env.tail(['--once'])).code, 0);
    const path = join(env.state.path, 'runtime.json');
    const rt = JSON.parse(readFileSync(path, 'utf8'));
    const ahead = Date.now() + 3_600_000;
    writeFileSync(path, JSON.stringify({ ...rt, pid: process.pid, startedAt: ahead, updatedAt: ahead, stoppedAt: undefined }));
    const text = await statusText(env.state.path);
    assert.match(text, /up 0ms/);
    assert.doesNotMatch(text, /-\d+(\.\d+)?(ms|s|m|h|d)\b/);
  } finally {
    await env.close();
  }
});
