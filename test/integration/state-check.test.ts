// `loghook state check` (issue 10 §3): SQLite's integrity_check plus the body-file references,
// a verdict, exit 0 for a whole state dir and 6 for a damaged one; read-only beside a tail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/child.js';
import { startCli } from '../helpers/cli.js';
import { damage, runWithin, usedStateDir } from './damaged-support.js';

const check = (dir: string, ...extra: string[]) => runWithin(['state', 'check', '--state-dir', dir, ...extra], 60_000);

test('state check of a whole state dir made by a real run says so and exits 0', async () => {
  const env = await usedStateDir({ records: 800, delivered: false });
  try {
    const r = await check(env.state.path);
    assert.equal(r.code, 0, r.stderr + r.stdout.toString());
    assert.match(r.stdout.toString(), new RegExp(`^state dir ${env.state.path}: whole\\. queue\\.db passes SQLite's integrity_check; 800 queued records in \\d+ rows`));
    const json = JSON.parse((await check(env.state.path, '--json')).stdout.toString()) as { ok: boolean; problems: string[]; queued: { records: number } };
    assert.deepEqual([json.ok, json.problems, json.queued.records], [true, [], 800]);
  } finally {
    await env.close();
  }
});

test('state check names each kind of damage and exits 6', async () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    ['random bytes in queue.db', (dir) => (damage(join(dir, 'queue.db'), 0.75), join(dir, 'queue.db')), /damaged|malformed|integrity_check/],
    ['queue.db emptied', (dir) => (truncateSync(join(dir, 'queue.db'), 0), join(dir, 'queue.db')), /it is empty \(0 bytes\), but the state dir was in use/],
    ['a body file deleted', (dir) => {
      const f = join(dir, 'bodies', readdirSync(join(dir, 'bodies'))[0]!);
      rmSync(f);
      return f;
    }, /missing, but \d+ queued rows? ha(s|ve) their bytes there/],
    ['a body file cut short', (dir) => {
      const f = join(dir, 'bodies', readdirSync(join(dir, 'bodies'))[0]!);
      truncateSync(f, Math.floor(statSync(f).size / 3));
      return f;
    }, /\d+ bytes, but \d+ queued rows? need \d+ \(it was cut short\)/],
  ];
  for (const [what, hurt, says] of cases) {
    const env = await usedStateDir({ records: 800, delivered: false });
    try {
      const file = hurt(env.state.path);
      const r = await check(env.state.path);
      const out = r.stdout.toString();
      assert.equal(r.code, 6, `${what}: ${out}${r.stderr}`);
      assert.match(out, new RegExp(`^state dir ${env.state.path}: DAMAGED\\n  ${file}: `), what);
      assert.match(out, says, what);
      assert.match(out, /move the state dir aside.*\n.*--start-at TIME/, what);
    } finally {
      await env.close();
    }
  }
});

test('state check runs beside a tail that holds the state dir, without waiting for its lock', async () => {
  const env = await usedStateDir({ records: 800, delivered: false });
  const tail = startCli(env.tailArgs([]));
  try {
    await waitFor(() => /catching up|following/.test(tail.stderr()), { timeoutMs: 30_000, what: 'the tail running' });
    const r = await check(env.state.path);
    assert.equal(r.code, 0, r.stdout.toString() + r.stderr);
    assert.match(r.stdout.toString(), /: whole\./);
    assert.equal(tail.child.exitCode, null, 'the tail still runs');
  } finally {
    tail.child.kill('SIGTERM');
    await tail.done;
    await env.close();
  }
});
