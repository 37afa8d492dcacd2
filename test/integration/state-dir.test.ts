// The state dir holds recipient addresses: private files and directory (issue 10 §5); a state dir
// that cannot be made fails at once instead of spinning (--state-dir /proc/st).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, segment, publishable } from './tail-support.js';
import { logLines, runCli, startCli, type RunAs } from '../helpers/cli.js';
import { waitFor } from '../helpers/child.js';
import { makeTempDir } from '../helpers/tmp.js';
import { nobody, openTo, type Nobody } from '../helpers/nobody.js';

const who = nobody();

/** path (relative) -> mode, for everything under dir. */
function modes(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = statSync(p);
    out[p.slice(base.length + 1)] = (st.mode & 0o777).toString(8);
    if (st.isDirectory()) Object.assign(out, modes(p, base));
  }
  return out;
}

function allPrivate(m: Record<string, string>, dirs: string[]): void {
  for (const [p, mode] of Object.entries(m)) assert.equal(mode, dirs.includes(p) ? '700' : '600', `${p} is ${mode}`);
}

test('a running tail keeps every state file 0600 and the state dir 0700: queue.db, WAL, SHM, lock, owner, bodies', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(20));
    const dir = join(env.state.path, 'new', 'state'); // missing: created with its parent
    const t = startCli(['tail', env.logs.path, '--url', env.rx.url, '--state-dir', dir, '--log-format', 'json']);
    try {
      await waitFor(() => env.rx.requests.length === 20, { what: 'delivered', timeoutMs: 8000 });
      await waitFor(() => { try { return statSync(join(dir, 'runtime.json')).isFile(); } catch { return false; } }, { what: 'runtime file' });
      const m = modes(dir);
      for (const f of ['queue.db', 'queue.db-wal', 'queue.db-shm', 'lock.db', 'owner', 'runtime.json', 'bodies']) assert.ok(f in m, `${f} exists (${Object.keys(m).join(', ')})`);
      assert.ok(Object.keys(m).some((f) => /^bodies\/\d+\.dat$/.test(f)), 'a body file exists');
      allPrivate(m, ['bodies']);
      assert.equal((statSync(dir).mode & 0o777).toString(8), '700');
      assert.equal((statSync(join(env.state.path, 'new')).mode & 0o777).toString(8), '700');
    } finally {
      t.child.kill('SIGTERM');
      assert.equal((await t.done).code, 0);
    }
    allPrivate(modes(dir), ['bodies']);
  } finally {
    await env.close();
  }
});

test('an existing 0755 state dir (systemd StateDirectory=) with 0644 files of an older version is made private', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(5, 1));
    chmodSync(env.state.path, 0o755);
    assert.equal((await env.tail(['--once'])).code, 0);
    // as an older version left it
    chmodSync(env.state.path, 0o755);
    for (const f of Object.keys(modes(env.state.path))) chmodSync(join(env.state.path, f), f === 'bodies' ? 0o755 : 0o644);
    segment(env, '20260101-000100.000000001', publishable(5, 2));
    const t = env.start([]);
    await waitFor(() => env.rx.requests.length === 10, { what: 'delivered', timeoutMs: 8000 });
    assert.equal((statSync(env.state.path).mode & 0o777).toString(8), '700');
    const m = modes(env.state.path);
    for (const f of ['queue.db', 'queue.db-wal', 'queue.db-shm', 'lock.db']) assert.equal(m[f], '600', `${f} is ${m[f]}`);
    t.child.kill('SIGTERM');
    const r = await t.done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!logLines(r.stderr).some((l) => /open to other users/.test(l.msg)), 'no warning: it could be fixed');
  } finally {
    await env.close();
  }
});

test('as another user, a state dir it does not own and cannot make private gets one warning naming it; its files are 0600', { skip: who.skip }, async () => {
  const as = who as Nobody;
  const env = await setup();
  try {
    openTo(env.logs.path);
    segment(env, '20260101-000000.000000001', publishable(5));
    chmodSync(env.state.path, 0o777); // root's: nobody may write but not chmod it
    const r = await runCli(['tail', env.logs.path, '--url', env.rx.url, '--state-dir', env.state.path, '--log-format', 'json', '--once'], {}, as);
    assert.equal(r.code, 0, r.stderr);
    const warnings = logLines(r.stderr).filter((l) => l.level === 'warn' && /open to other users/.test(l.msg));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0]!.msg, new RegExp(`^state dir ${env.state.path} is open to other users \\(mode 0777\\) and cannot be made private \\(EPERM`));
    for (const [f, mode] of Object.entries(modes(env.state.path))) assert.equal(mode, f === 'bodies' ? '700' : '600', `${f} is ${mode}`);
  } finally {
    await env.close();
  }
});

/** Runs loghook; a child still running after `ms` is killed, and the test says so. */
async function runWithin(ms: number, args: string[], as?: RunAs) {
  const c = startCli(args, {}, as);
  const t = setTimeout(() => c.child.kill('SIGKILL'), ms);
  try {
    return await c.done;
  } finally {
    clearTimeout(t);
  }
}

for (const user of ['root', 'nobody'] as const) {
  const skip = user === 'nobody' ? who.skip : process.getuid?.() === 0 ? false : 'not root';
  test(`--state-dir /proc/st as ${user} fails at once with the state error naming the dir (no spin)`, { skip }, async () => {
    const logs = makeTempDir('loghook-logs-');
    try {
      openTo(logs.path);
      const r = await runWithin(20_000, ['tail', logs.path, '--url', 'http://127.0.0.1:9/', '--state-dir', '/proc/st', '--once'], user === 'nobody' ? (who as Nobody) : undefined);
      assert.equal(r.signal, null, 'it exited by itself (it was killed after 20 s)');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^loghook: cannot create the state dir \/proc\/st: ENOENT.*give --state-dir/m);
    } finally {
      logs.cleanup();
    }
  });
}

test('a state dir path through a regular file fails at once naming it', async () => {
  const d = makeTempDir();
  try {
    mkdirSync(join(d.path, 'logs'));
    const file = join(d.path, 'logs', '20260101-000000.000000001');
    writeFileSync(file, '');
    const r = await runCli(['tail', join(d.path, 'logs'), '--url', 'http://127.0.0.1:9/', '--state-dir', join(file, 'state'), '--once']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^loghook: cannot create the state dir ${join(file, 'state')}: ENOTDIR`, 'm'));
  } finally {
    d.cleanup();
  }
});


