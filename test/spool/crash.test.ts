import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import { assertLedgerMatchesRows, bodyFilePath, rawFiles, recordTexts, startChild, tempStateDir } from './support.js';

// The child (spool-child.js commit-loop) commits chunk N together with checkpoint N, and acks
// every third chunk right after committing it, so that ack lands with the next commit of the same
// run. Whatever instant the kill hits, the queue must hold exactly what the checkpoint accounts for.
test('rows and checkpoint commit atomically: 20 SIGKILLs at random instants lose and duplicate nothing', async () => {
  const stateDir = tempStateDir();
  const runStarts = new Set<number>();
  let lastCheckpoint = 0;
  // At least 20 kills, and on until the runs have committed more than 20 chunks between them (a
  // loaded machine may kill a child before its first commit): at most 100.
  let kill = 0;
  for (; kill < 100 && (kill < 20 || lastCheckpoint <= 20); kill++) {
    const child = startChild('commit-loop', stateDir);
    runStarts.add((await child.next()).from as number);
    await sleep(Math.random() * 60);
    child.proc.kill('SIGKILL');
    assert.equal((await child.exited).signal, 'SIGKILL');

    const spool = Spool.open({ stateDir });
    const n = Number(spool.loadCheckpoints().get('s1') ?? 0);
    assert.ok(n >= lastCheckpoint, `checkpoint went back from ${lastCheckpoint} to ${n}`);
    lastCheckpoint = n;
    const present = spool.takeDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).map((m) => recordTexts(m)[0]);
    const expected: string[] = [];
    for (let k = 1; k <= n; k++) {
      const acked = k % 3 === 0 && k + 1 <= n && !runStarts.has(k + 1);
      if (!acked) expected.push(`chunk:${k}`);
    }
    assert.deepEqual(present, expected, `after kill ${kill + 1} at checkpoint ${n}`);
    assert.deepEqual(spool.counts().records, expected.length);
    spool.close();
  }
  assert.ok(lastCheckpoint > 20, `the child committed only ${lastCheckpoint} chunks in ${kill} runs`);
});

// The one instant the random kills above rarely hit: the bodies are fdatasynced in the body file
// and the transaction that would reference them never ran. Those bytes must stay invisible, the
// checkpoint must not move, and the next open must remove any file no row lives in.
test('a kill between the body append and the transaction loses and duplicates nothing; orphan files go at open', async () => {
  const stateDir = tempStateDir();
  const runStarts = new Set<number>();
  let checkpoint = 0;
  for (const killAfter of [1, 5, 1, 2, 9, 3]) {
    const child = startChild('commit-loop', stateDir, { SPOOL_CHILD_KILL_AFTER_APPEND: String(killAfter) });
    const from = (await child.next()).from as number;
    runStarts.add(from);
    assert.equal((await child.exited).signal, 'SIGKILL');

    // The killed commit's record is on disk, at the end of the newest body file...
    const newest = Math.max(...readdirSync(join(stateDir, 'bodies')).map((n) => parseInt(n, 10)));
    const bytes = readFileSync(bodyFilePath(stateDir, newest));
    const killed = from + killAfter - 1;
    assert.match(bytes.subarray(bytes.length - 200).toString(), new RegExp(`^chunk:${killed}\\.`));

    // ...but no row points at it and the checkpoint stands at the commit before.
    const spool = Spool.open({ stateDir });
    const n = Number(spool.loadCheckpoints().get('s1') ?? 0);
    assert.equal(n, killed - 1, `killed at append ${killAfter} of a run from ${from}`);
    assert.ok(n >= checkpoint);
    checkpoint = n;
    const present = spool.takeDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).map((m) => recordTexts(m)[0]);
    const expected: string[] = [];
    for (let k = 1; k <= n; k++) {
      const acked = k % 3 === 0 && k + 1 <= n && !runStarts.has(k + 1);
      if (!acked) expected.push(`chunk:${k}`);
    }
    assert.deepEqual(present, expected, `after the kill at append ${killAfter}`);
    assert.deepEqual(spool.counts().records, expected.length);
    // Only files that rows live in are left: a run killed at its first append leaves none of its own.
    const onDisk = readdirSync(join(stateDir, 'bodies')).map((f) => parseInt(f, 10)).sort((a, b) => a - b);
    assert.deepEqual(onDisk, rawFiles(stateDir).map((f) => f.id));
    assertLedgerMatchesRows(stateDir);
    spool.close();
  }
  assert.equal(checkpoint, 1 + 5 + 1 + 2 + 9 + 3 - 6);
});
