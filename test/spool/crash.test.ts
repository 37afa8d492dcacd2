import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Spool } from '../../src/spool/spool.js';
import { checkState } from '../../src/spool/state-check.js';
import { assertLedgerMatchesRows, bodyFilePath, chunk, rawFiles, rawLocatedRows, recordTexts, startChild, tempStateDir } from './support.js';

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

// Retries and compaction under kills: the child (spool-child.js retry-loop) retries a quarter of
// its records six times each with tiny body files, so records move between files all the time.
// After every kill: the state dir checks clean, the ledger agrees with the rows, every queued
// record is there once with its own bytes; at the end every record was delivered at least once,
// with its event id (segment key and line) and its bytes.
test('retries and compaction under 15 SIGKILLs: every record delivered at least once, the state dir checks clean', async () => {
  const stateDir = tempStateDir();
  const delivered = new Map<number, string>();
  const text = (line: number) => `rec:${line}`.padEnd(99, '.') + '\n';
  let checkpoint = 0;
  let maxFile = 0;
  let moved = 0;
  for (let kill = 0; kill < 15; kill++) {
    const child = startChild('retry-loop', stateDir);
    assert.equal((await child.next()).from, checkpoint);
    const reading = (async () => {
      for (;;) {
        const line = await child.next().catch(() => null);
        if (line === null) return;
        if (!('d' in line)) continue;
        const [n, key, body] = line.d as [number, string, string];
        assert.equal(key, '0123456789abcdef');
        assert.equal(body, text(n), `record ${n} delivered with other bytes`);
        delivered.set(n, body);
      }
    })();
    await sleep(50 + Math.random() * 150);
    child.proc.kill('SIGKILL');
    assert.equal((await child.exited).signal, 'SIGKILL');
    await reading;

    const spool = Spool.open({ stateDir }); // removes the files a kill left unreferenced
    checkpoint = Number(spool.loadCheckpoints().get('s1') ?? 0);
    const queued = spool.takeDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).flatMap((m) => [...m.lines].map((l, i) => [l, recordTexts(m)[i]] as const));
    spool.close();
    const lines = queued.map(([l]) => l);
    assert.equal(new Set(lines).size, lines.length, `a record is queued twice after kill ${kill + 1}`);
    for (const [l, t] of queued) assert.equal(t, `rec:${l}`);
    for (let l = 0; l < checkpoint; l++) assert.ok(delivered.has(l) || lines.includes(l), `record ${l} is neither delivered nor queued after kill ${kill + 1}`);
    assert.deepEqual(checkState(stateDir).problems, [], `after kill ${kill + 1}`);
    assertLedgerMatchesRows(stateDir);
    maxFile = Math.max(maxFile, ...rawFiles(stateDir).map((f) => f.id));
    // A process appends records in line order: two rows of one file out of that order mean one was moved.
    const rows = rawLocatedRows(stateDir).map((r) => ({ file: r.file_id, offset: r.file_offset!, line: Number(/^rec:(\d+)/.exec(r.body)![1]) }));
    if (rows.some((a) => rows.some((b) => a.file === b.file && a.line < b.line && a.offset > b.offset))) moved++;
  }
  // Drain what is left: every record read is delivered at least once.
  const spool = Spool.open({ stateDir });
  for (const m of spool.takeDue(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) {
    recordTexts(m).forEach((t, i) => delivered.set(m.lines[i]!, `${t}`.padEnd(99, '.') + '\n'));
    spool.ack([m.rowId]);
  }
  spool.close();
  for (let l = 0; l < checkpoint; l++) assert.equal(delivered.get(l), text(l), `record ${l}`);
  assert.ok(checkpoint > 500, `the child read only ${checkpoint} records in 15 runs`);
  assert.ok(maxFile > 20, `records went through only ${maxFile} body files`);
  assert.ok(moved > 0, 'no kill found a record compaction had moved');
  assert.deepEqual(readdirSync(join(stateDir, 'bodies')), [], 'an empty queue holds no body file');
});

// A writer killed during its very first start, once it holds the lock: it made lock.db and owner,
// which say the dir was used. Its queue.db must already be there, or the next start reads the dir
// as one whose queue was lost and refuses it (the integration crash test met this once in CI).
test('a writer SIGKILLed the moment it holds the lock of a new state dir leaves a dir the next start opens', async () => {
  const stateDir = join(tempStateDir(), 'new'); // not there yet: the writer makes it
  const child = startChild('die-after-lock', stateDir);
  assert.equal((await child.exited).signal, 'SIGKILL');
  assert.ok(existsSync(join(stateDir, 'lock.db')) && existsSync(join(stateDir, 'owner')), 'killed while holding the lock');
  const spool = Spool.open({ stateDir });
  assert.deepEqual(spool.counts(), { rows: 0, records: 0, bytes: 0 });
  spool.commit([chunk(1)], new Map([['s1', '1']]));
  spool.close();
  assert.deepEqual(readdirSync(stateDir).filter((n) => n.startsWith('queue.db.new')), [], 'no temporary file left');
});

test('the lock holder removes what writers killed while making a new queue.db left, and only theirs', () => {
  const stateDir = join(tempStateDir(), 'new');
  mkdirSync(stateDir, { recursive: true });
  const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited: its pid names no process
  for (const suffix of ['', '-wal']) writeFileSync(join(stateDir, `queue.db.new.${dead}${suffix}`), 'half made');
  writeFileSync(join(stateDir, `queue.db.new.${process.ppid}`), 'a live writer is making it');
  const spool = Spool.open({ stateDir });
  spool.close();
  assert.deepEqual(readdirSync(stateDir).filter((n) => n.startsWith('queue.db.new')), [`queue.db.new.${process.ppid}`]);
});
