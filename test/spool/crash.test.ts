import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import { recordTexts, startChild, tempStateDir } from './support.js';

// The child (spool-child.js commit-loop) commits chunk N together with checkpoint N, and acks
// every third chunk right after committing it, so that ack lands with the next commit of the same
// run. Whatever instant the kill hits, the queue must hold exactly what the checkpoint accounts for.
test('rows and checkpoint commit atomically: 20 SIGKILLs at random instants lose and duplicate nothing', async () => {
  const stateDir = tempStateDir();
  const runStarts = new Set<number>();
  let lastCheckpoint = 0;
  for (let kill = 0; kill < 20; kill++) {
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
  assert.ok(lastCheckpoint > 20, `the child committed only ${lastCheckpoint} chunks in 20 runs`);
});
