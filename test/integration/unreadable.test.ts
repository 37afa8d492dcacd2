// Unreadable input is never lost (issue 10 §1): loghook run as nobody over kumod-owned files
// (here: root's), EACCES for real. The CLI runs in a child that dropped root; the test, as
// root, plays the operator who fixes the mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSegment } from '../helpers/segment-writer.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { Receiver } from '../helpers/receiver.js';
import { runCli, startCli, logLines } from '../helpers/cli.js';
import { waitFor } from '../helpers/child.js';
import { nobody, openTo, giveTo, type Nobody } from '../helpers/nobody.js';
import { publishable } from './tail-support.js';

const who = nobody();
const skip = who.skip;
const A = '20260101-000000.000000001';
const B = '20260101-000100.000000001';
const C = '20260101-000200.000000001';

interface World {
  logs: TempDir;
  state: TempDir;
  rx: Receiver;
  /** the lines of A, B and C */
  lines: Record<string, string[]>;
  args(...extra: string[]): string[];
  close(): Promise<void>;
}

/** Three finished segments readable by all, but B is root's with mode 0000. */
async function world(as: Nobody): Promise<World> {
  const logs = makeTempDir('loghook-logs-');
  const state = makeTempDir('loghook-state-');
  openTo(logs.path);
  giveTo(state.path, as);
  const lines = { [A]: publishable(5, 1), [B]: publishable(6, 2), [C]: publishable(7, 3) };
  for (const [name, l] of Object.entries(lines)) writeSegment(logs.path, name, l);
  chmodSync(join(logs.path, B), 0o000);
  const rx = await Receiver.start();
  return {
    logs, state, rx, lines,
    args: (...extra) => ['tail', logs.path, '--url', rx.url, '--state-dir', state.path, '--log-format', 'json', ...extra],
    async close() {
      await rx.close();
      logs.cleanup();
      state.cleanup();
    },
  };
}

const bodies = (rx: Receiver) => rx.requests.map((q) => q.body.toString()).sort();

test('tail --once as another user: an unreadable segment gives exit 5 and is read by the run after the mode is fixed, nothing resent', { skip }, async () => {
  const as = who as Nobody;
  const w = await world(as);
  try {
    const r = await runCli(w.args('--once'), {}, as);
    assert.equal(r.code, 5, r.stderr);
    // the other two were delivered
    assert.deepEqual(bodies(w.rx), [...w.lines[A]!, ...w.lines[C]!].sort());
    const pathB = join(w.logs.path, B);
    const errors = logLines(r.stderr).filter((l) => l.level === 'error');
    assert.ok(errors.some((l) => l.msg.startsWith(`${pathB}: cannot be read: EACCES`)), r.stderr);
    assert.ok(errors.some((l) => l.msg.startsWith('not read, because it cannot be read: ') && l.msg.includes(pathB)), r.stderr);
    // the runtime file and status name it; the checkpoint stays at it
    const runtime = JSON.parse(readFileSync(join(w.state.path, 'runtime.json'), 'utf8'));
    assert.deepEqual(runtime.unreadable.map((u: { path: string; kind: string }) => [u.kind, u.path]), [['segment', pathB]]);
    const st = JSON.parse((await runCli(['status', '--json', '--state-dir', w.state.path])).stdout.toString());
    assert.equal(st.unreadable[0].path, pathB);
    assert.match(st.unreadable[0].error, /EACCES/);
    assert.equal(st.streams[0].segment, B);
    assert.equal(st.streams[0].line, 0);
    const text = (await runCli(['status', '--state-dir', w.state.path])).stdout.toString();
    assert.match(text, new RegExp(`unreadable  ${pathB}: EACCES`));
    assert.match(text, /caught up, except 1 unreadable segment not read yet/);

    chmodSync(join(w.logs.path, B), 0o444);
    const again = await runCli(w.args('--once'), {}, as);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(bodies(w.rx), Object.values(w.lines).flat().sort(), 'B arrives once, A and C are not sent again');
    const after = JSON.parse((await runCli(['status', '--json', '--state-dir', w.state.path])).stdout.toString());
    assert.deepEqual(after.unreadable, []);
    assert.equal(after.streams[0].segment, null);
  } finally {
    await w.close();
  }
});

test('tail --once as another user: an unlistable log directory gives exit 5 naming it; the other directory is delivered', { skip }, async () => {
  const as = who as Nobody;
  const w = await world(as);
  const closed = makeTempDir('loghook-closed-'); // root's, 0700: nobody cannot list it
  try {
    chmodSync(join(w.logs.path, B), 0o444);
    const r = await runCli(['tail', w.logs.path, closed.path, '--url', w.rx.url, '--state-dir', w.state.path, '--log-format', 'json', '--once'], {}, as);
    assert.equal(r.code, 5, r.stderr);
    assert.equal(w.rx.requests.length, 18);
    assert.ok(logLines(r.stderr).some((l) => l.level === 'error' && l.msg.startsWith(`${closed.path}: cannot be read: cannot list it: EACCES`)), r.stderr);
    assert.ok(logLines(r.stderr).some((l) => l.level === 'error' && l.msg.startsWith('not read') && l.msg.includes(closed.path)), r.stderr);
  } finally {
    closed.cleanup();
    await w.close();
  }
});

test('cat as another user: an unreadable segment or directory ends with exit 5 naming it, after the rest is printed', { skip }, async () => {
  const as = who as Nobody;
  const w = await world(as);
  const closed = makeTempDir('loghook-closed-');
  try {
    const r = await runCli(['cat', w.logs.path, closed.path, '--log-format', 'json'], {}, as);
    assert.equal(r.code, 5, r.stderr);
    assert.deepEqual(r.stdout.toString().split(/(?<=\n)/), [...w.lines[A]!, ...w.lines[C]!]);
    const summary = logLines(r.stderr).find((l) => l.level === 'error' && l.msg.startsWith('not read'));
    assert.ok(summary && summary.msg.includes(join(w.logs.path, B)) && summary.msg.includes(closed.path), r.stderr);
    const file = await runCli(['cat', join(w.logs.path, B)], {}, as);
    assert.equal(file.code, 5, file.stderr);
    assert.match(file.stderr, new RegExp(`${join(w.logs.path, B)}.*EACCES`));
  } finally {
    closed.cleanup();
    await w.close();
  }
});

test('tail as another user, following: a segment whose mode is fixed while it runs is delivered within seconds', { skip }, async () => {
  const as = who as Nobody;
  const w = await world(as);
  const t = startCli(w.args(), {}, as);
  try {
    await waitFor(() => w.rx.requests.length === 12, { what: 'A and C delivered', timeoutMs: 10_000 });
    await waitFor(() => t.stderr().includes('cannot be read: EACCES'), { what: 'the error about B' });
    chmodSync(join(w.logs.path, B), 0o444);
    await waitFor(() => w.rx.requests.length === 18, { what: 'B delivered once readable', timeoutMs: 10_000 });
    assert.deepEqual(bodies(w.rx), Object.values(w.lines).flat().sort());
    t.child.kill('SIGTERM');
    const r = await t.done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(logLines(r.stderr).some((l) => l.msg === `${join(w.logs.path, B)}: can be read again; reading it from line 1`), r.stderr);
  } finally {
    if (t.child.exitCode === null && t.child.signalCode === null) t.child.kill('SIGKILL');
    await t.done;
    await w.close();
  }
});
