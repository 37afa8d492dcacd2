// regression (issue 10 §3): a damaged state dir. Random bytes in queue.db left `tail --once`
// delivering part of the queue and then waiting forever, holding the lock; an emptied or deleted
// queue.db in a dir that was in use made a fresh queue and sent every segment again. Now every
// damaged-state error ends the run promptly with one message and exit code 6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { logLines } from '../helpers/cli.js';
import { damage, runWithin, usedStateDir } from './damaged-support.js';

const DAMAGED = 6;

/** One damaged-state message on stderr, naming `file`, with the way out; no stack trace. */
function assertDamaged(r: { code: number | null; stderr: string }, file: string, what: RegExp): void {
  assert.equal(r.code, DAMAGED, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('loghook: '));
  assert.equal(errors.length, 1, r.stderr);
  assert.ok(errors[0]!.startsWith(`loghook: ${file}: `), errors[0]);
  assert.match(errors[0]!, what);
  assert.match(errors[0]!, /loghook state check --state-dir .*--start-at TIME/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('64 KiB of random bytes in the middle of queue.db end tail --once promptly with exit 6 naming queue.db', async () => {
  // Where the bytes land decides which code path meets them: a dispatcher's claims after part of
  // the queue went out (3/4: the run that used to hang), or the start-up reads (1/2 here).
  for (const at of [0.75, 0.5]) {
    const env = await usedStateDir({ records: 3000, delivered: false });
    try {
      const file = join(env.state.path, 'queue.db');
      damage(file, at);
      env.up = true;
      const r = await runWithin(env.tailArgs(['--once', '--batch-size', '10']), 30_000);
      assert.equal(r.hung, false, `tail --once with bytes at ${at} of queue.db did not end within 30 s: ${r.stderr.slice(-600)}`);
      assertDamaged(r, file, /SQLite says the file is damaged/);
    } finally {
      await env.close();
    }
  }
});

test('status and dead list on a queue.db that is not a database exit 6 naming it', async () => {
  const env = await usedStateDir({ records: 200, delivered: false });
  try {
    const file = join(env.state.path, 'queue.db');
    damage(file, 0); // the header too: SQLITE_NOTADB
    for (const args of [['status'], ['status', '--json'], ['dead', 'list']]) {
      const r = await runWithin([...args, '--state-dir', env.state.path], 30_000);
      assert.equal(r.hung, false);
      assertDamaged(r, file, /not a database/);
    }
  } finally {
    await env.close();
  }
});

test('a body file missing under queued rows ends tail --once promptly with exit 6 naming the file', async () => {
  const env = await usedStateDir({ records: 500, delivered: false });
  try {
    const bodies = join(env.state.path, 'bodies');
    const files = readdirSync(bodies).filter((n) => n.endsWith('.dat'));
    assert.ok(files.length > 0, 'the queued records live in a body file');
    for (const f of files) rmSync(join(bodies, f));
    env.up = true;
    const r = await runWithin(env.tailArgs(['--once']), 30_000);
    assert.equal(r.hung, false, r.stderr.slice(-600));
    assertDamaged(r, join(bodies, files[0]!), /it is missing, but queued messages have their bytes there/);
  } finally {
    await env.close();
  }
});

test('a body file cut short under queued rows ends tail --once with exit 6 naming the file', async () => {
  const env = await usedStateDir({ records: 500, delivered: false });
  try {
    const bodies = join(env.state.path, 'bodies');
    const file = join(bodies, readdirSync(bodies).find((n) => n.endsWith('.dat'))!);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    env.up = true;
    const r = await runWithin(env.tailArgs(['--once']), 30_000);
    assert.equal(r.hung, false, r.stderr.slice(-600));
    assertDamaged(r, file, /it ends before byte \d+/);
  } finally {
    await env.close();
  }
});

test('queue.db truncated to 0 bytes in a used state dir: exit 6, nothing is sent again', async () => {
  const env = await usedStateDir({ records: 1000, delivered: true });
  try {
    const file = join(env.state.path, 'queue.db');
    truncateSync(file, 0);
    const before = env.rx.requests.length;
    const r = await runWithin(env.tailArgs(['--once']), 30_000);
    assertDamaged(r, file, /it is empty \(0 bytes\), but the state dir was in use \(it holds lock\.db, runtime\.json\)/);
    assert.equal(env.rx.requests.length, before, 'no record was sent again');
    assert.equal(statSync(file).size, 0, 'queue.db is left as it was found');
  } finally {
    await env.close();
  }
});

test('queue.db deleted from a used state dir: tail and status exit 6, nothing is sent again', async () => {
  const env = await usedStateDir({ records: 1000, delivered: true });
  try {
    const file = join(env.state.path, 'queue.db');
    rmSync(file);
    const before = env.rx.requests.length;
    const r = await runWithin(env.tailArgs(['--once']), 30_000);
    assertDamaged(r, file, /it is missing, but the state dir was in use/);
    assert.equal(env.rx.requests.length, before, 'no record was sent again');
    assert.equal(existsSync(file), false, 'no fresh queue.db was made');
    assertDamaged(await runWithin(['status', '--state-dir', env.state.path], 30_000), file, /it is missing/);
  } finally {
    await env.close();
  }
});

test('a new, empty state dir starts from scratch without a warning', async () => {
  const env = await usedStateDir({ records: 300, delivered: true });
  try {
    assert.equal(env.first.code, 0, env.first.stderr);
    assert.deepEqual(logLines(env.first.stderr).filter((l) => l.level !== 'info'), []);
    assert.equal(new Set(env.rx.eventIds({ acceptedOnly: true })).size, 300);
  } finally {
    await env.close();
  }
});
