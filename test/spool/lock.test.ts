import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import { StateLockedError } from '../../src/util/errors.js';
import { chunk, startChild, tempStateDir } from './support.js';

test('a second process opening a held state dir gets StateLockedError naming the holder pid', async () => {
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir });
  try {
    const child = startChild('open', stateDir);
    assert.deepEqual(await child.next(), {
      error: 'StateLockedError',
      code: 'LOGHOOK_STATE_LOCKED',
      message: `state dir ${stateDir} is in use by another loghook process (pid ${process.pid}): stop it first, or give this one another --state-dir`,
    });
    assert.equal((await child.exited).code, 0);
  } finally {
    spool.close();
  }
});

test('the lock is free again once its holder is killed with SIGKILL', async () => {
  const stateDir = tempStateDir();
  const holder = startChild('hold', stateDir);
  const { holding } = await holder.next();
  assert.equal(holding, holder.proc.pid);
  assert.throws(() => Spool.open({ stateDir }), (err: unknown) => {
    assert.ok(err instanceof StateLockedError);
    assert.match(err.message, new RegExp(`\\(pid ${holder.proc.pid}\\)`));
    return true;
  });
  holder.proc.kill('SIGKILL');
  assert.equal((await holder.exited).signal, 'SIGKILL');
  const spool = Spool.open({ stateDir });
  assert.equal(readFileSync(join(stateDir, 'owner'), 'utf8'), `${process.pid}\n`);
  spool.close();
});

test('a second Spool on the same state dir in the same process is refused, and the first keeps the lock', async () => {
  const stateDir = tempStateDir();
  const spool = Spool.open({ stateDir });
  try {
    assert.throws(() => Spool.open({ stateDir }), StateLockedError);
    // Closing the refused connection must not drop the process's fcntl lock (POSIX drops them all on any close).
    const child = startChild('open', stateDir);
    assert.equal((await child.next()).code, 'LOGHOOK_STATE_LOCKED');
  } finally {
    spool.close();
  }
});

test('close releases the lock and removes the owner file', async () => {
  const stateDir = tempStateDir();
  Spool.open({ stateDir }).close();
  assert.equal(existsSync(join(stateDir, 'owner')), false);
  const child = startChild('open', stateDir);
  assert.deepEqual(await child.next(), { opened: true });
});

test('a read-only Spool opens and reads while another process holds the lock', async () => {
  const stateDir = tempStateDir();
  const writer = Spool.open({ stateDir });
  writer.commit([chunk(3)], new Map([['s1', '"at-3"']]));
  writer.close();
  const holder = startChild('hold', stateDir);
  await holder.next();
  try {
    const reader = Spool.open({ stateDir, readOnly: true });
    assert.deepEqual(reader.counts(), { rows: 1, records: 3, bytes: chunk(3).body.length });
    assert.deepEqual(reader.loadCheckpoints(), new Map([['s1', '"at-3"']]));
    reader.close();
  } finally {
    holder.proc.kill('SIGKILL');
    await holder.exited;
  }
});
