// `tail --once` exit codes from real runs (issue 9 "failures that fail", issue 7 certificates):
// real zstd segments, real receivers on 127.0.0.1, the built binary in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logLines, runCli } from '../helpers/cli.js';
import { Receiver } from '../helpers/receiver.js';
import { makeTempDir } from '../helpers/tmp.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { makePki } from '../sinks/http/certs.js';
import { publishable, segment, setup } from './tail-support.js';
// a port on 127.0.0.1 that nothing listens on: taken from the system, then let go
import { freePort as closedPort } from '../helpers/broker-process.js';

async function queued(stateDir: string): Promise<{ records: number; deadCount: number }> {
  return JSON.parse((await runCli(['status', '--json', '--state-dir', stateDir])).stdout.toString()).queue;
}

test('--once exits 12 when the receiver refuses every connection (a closed port), and says so', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(20));
    const url = `http://127.0.0.1:${await closedPort()}/hook`;
    const r = await env.cli(['tail', env.logs.path, '--once', '--url', url, '--state-dir', env.state.path, '--log-format', 'json']);
    assert.equal(r.code, 12, r.stderr);
    const line = logLines(r.stderr).find((l) => /never answered in this run/.test(l.msg));
    assert.ok(line, r.stderr);
    assert.match(line.msg, /ECONNREFUSED/);
    assert.match(line.msg, /its 20 records stay queued/);
    assert.equal((await queued(env.state.path)).records, 20);
  } finally {
    await env.close();
  }
});

test('--once exits 13 for an HTTPS receiver whose certificate comes from an unknown CA; the records stay queued', async () => {
  const pki = makePki();
  const rx = await Receiver.start({ tls: { cert: pki.untrustedServer.cert, key: pki.untrustedServer.key } });
  const logs = makeTempDir('loghook-logs-');
  const state = makeTempDir('loghook-state-');
  try {
    writeSegment(logs.path, '20260101-000000.000000001', publishable(5));
    const r = await runCli(['tail', logs.path, '--once', '--url', rx.url, '--state-dir', state.path, '--log-format', 'json']);
    assert.equal(r.code, 13, r.stderr);
    const line = logLines(r.stderr).find((l) => /the receiver's setup is wrong/.test(l.msg));
    assert.ok(line, r.stderr);
    assert.match(line.msg, /certificate/i);
    assert.equal(rx.requests.length, 0, 'no request got through the handshake');
    assert.equal((await queued(state.path)).records, 5);
  } finally {
    await rx.close();
    logs.cleanup();
    state.cleanup();
    pki.cleanup();
  }
});

test('--once exits 13 when every request is answered 404 (a wrong url): nothing is dead-lettered', async () => {
  const env = await setup({ defaultResponse: { status: 404, body: 'no such hook' } });
  try {
    segment(env, '20260101-000000.000000001', publishable(5));
    const r = await env.tail(['--once', '--concurrency', '1']);
    assert.equal(r.code, 13, r.stderr);
    assert.ok(logLines(r.stderr).some((l) => /the receiver's setup is wrong: 404 Not Found: no such hook/.test(l.msg)), r.stderr);
    const q = await queued(env.state.path);
    assert.equal(q.records, 5);
    assert.equal(q.deadCount, 0);
  } finally {
    await env.close();
  }
});

test('--once exits 14 on SIGTERM and says "interrupted"; what was read stays queued', async () => {
  const env = await setup({ defaultResponse: { hang: true } });
  try {
    segment(env, '20260101-000000.000000001', publishable(3));
    const t = env.start(['--once', '--shutdown-timeout', '200ms']);
    await env.rx.waitForRequests(1, 5000);
    t.child.kill('SIGTERM');
    const r = await t.done;
    assert.equal(r.code, 14, r.stderr);
    assert.ok(logLines(r.stderr).some((l) => /^interrupted by SIGTERM/.test(l.msg)), r.stderr);
    assert.ok(logLines(r.stderr).some((l) => l.msg === 'interrupted'), 'the final line says it too');
    assert.equal((await queued(env.state.path)).records, 3);
  } finally {
    await env.close();
  }
});

test('--once exits 11 when records were dead-lettered, with how many and the dead list command', async () => {
  const env = await setup({ defaultResponse: { status: 400, body: 'bad record' } });
  try {
    segment(env, '20260101-000000.000000001', publishable(4));
    const r = await env.tail(['--once']);
    assert.equal(r.code, 11, r.stderr);
    const line = logLines(r.stderr).find((l) => /dead letters in this run/.test(l.msg));
    assert.ok(line, r.stderr);
    assert.equal(line.msg, `hook 'default': 4 records went to the dead letters in this run; see them with: loghook dead list --hook default --state-dir ${env.state.path}`);
    const listed = await runCli(line.msg.slice(line.msg.indexOf('loghook ') + 8).split(' ').concat('--json'));
    assert.equal(listed.stdout.toString().trim().split('\n').length, 4, 'the command it names lists them');
  } finally {
    await env.close();
  }
});

/** A config file of several hooks, each to its own url, over one log dir of `records` records. */
async function multiHook(urls: Record<string, string>, records = 3) {
  const root = makeTempDir('loghook-exit-');
  const logs = join(root.path, 'logs');
  mkdirSync(logs);
  writeSegment(logs, '20260101-000000.000000001', publishable(records));
  const hooks = Object.entries(urls).map(([name, url]) => `[[hook]]\nname = "${name}"\nurl = "${url}"\nconcurrency = 1\n`).join('');
  const file = join(root.path, 'loghook.toml');
  writeFileSync(file, `state_dir = "state"\nlog_format = "json"\n[source]\nlog_dirs = ["logs"]\n${hooks}`);
  return { root, run: () => runCli(['tail', '--config', file, '--once']) };
}

test('exit code precedence: misconfigured (13) wins over unreachable (12) and dead letters (11); each gets its line', async () => {
  const wrong = await Receiver.start({ defaultResponse: { status: 404 } });
  const bad = await Receiver.start({ defaultResponse: { status: 422 } });
  const m = await multiHook({ wrong: wrong.url, down: `http://127.0.0.1:${await closedPort()}/hook`, bad: bad.url });
  try {
    const r = await m.run();
    assert.equal(r.code, 13, r.stderr);
    const msgs = logLines(r.stderr).map((l) => l.msg);
    assert.ok(msgs.some((x) => x.startsWith("hook 'wrong': the receiver's setup is wrong")), r.stderr);
    assert.ok(msgs.some((x) => x.startsWith("hook 'down': the receiver never answered")), r.stderr);
    assert.ok(msgs.some((x) => x.startsWith("hook 'bad': 3 records went to the dead letters")), r.stderr);
  } finally {
    await wrong.close();
    await bad.close();
    m.root.cleanup();
  }
});

test('exit code precedence: unreachable (12) wins over dead letters (11) and retries pending (10)', async () => {
  const bad = await Receiver.start({ defaultResponse: { status: 422 } });
  const busy = await Receiver.start({ defaultResponse: { status: 503 } });
  const m = await multiHook({ down: `http://127.0.0.1:${await closedPort()}/hook`, bad: bad.url, busy: busy.url });
  try {
    const r = await m.run();
    assert.equal(r.code, 12, r.stderr);
  } finally {
    await bad.close();
    await busy.close();
    m.root.cleanup();
  }
});

test('a timeout on every request is "never reachable" (12), a 503 is an answer (10)', async () => {
  const env = await setup({ defaultResponse: { status: 503 } });
  try {
    segment(env, '20260101-000000.000000001', publishable(2));
    assert.equal((await env.tail(['--once', '--retry-interval', '1s'])).code, 10);
  } finally {
    await env.close();
  }
  const slow = await setup({ defaultResponse: { hang: true } });
  try {
    segment(slow, '20260101-000000.000000001', publishable(2));
    const r = await slow.tail(['--once', '--timeout', '300ms']);
    assert.equal(r.code, 12, r.stderr);
  } finally {
    await slow.close();
  }
});
