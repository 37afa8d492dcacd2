import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnNode, waitFor } from './child.js';
import { streamDecode, zstdCat } from './decode.js';
import { runKumoWriter } from './kumo-writer.js';
import type { BlockEvent } from './segment-writer.js';
import { makeTempDir } from './tmp.js';

const SCRIPT = fileURLToPath(new URL('./kumo-writer.js', import.meta.url));
const modeOf = (path: string) => statSync(path).mode & 0o777;

interface Report {
  t: number;
  segment: string;
  lines: number;
}

test('writes rotating finished segments that decode to the --expect lines, reporting each block', async (t) => {
  const tmp = makeTempDir('kumo-writer-');
  t.after(() => tmp.cleanup());
  const dir = join(tmp.path, 'logs');
  const expect = join(tmp.path, 'expect.jsonl');
  const started = Date.now();
  const child = spawnNode(SCRIPT, ['--dir', dir, '--records', '2500', '--segment-records', '1000', '--suffix', '_recv', '--expect', expect, '--report']);
  assert.deepEqual(await child.exited, { code: 0, signal: null }, child.stderr);
  assert.equal(child.stderr, '');

  const names = readdirSync(dir).sort();
  assert.equal(names.length, 3);
  let decoded = '';
  for (const name of names) {
    assert.match(name, /^\d{8}-\d{6}\.\d{9}_recv$/);
    assert.equal(modeOf(join(dir, name)), 0o444);
    const r = zstdCat(join(dir, name));
    assert.equal(r.status, 0, r.stderr);
    decoded += r.stdout.toString();
  }
  assert.equal(decoded, readFileSync(expect, 'utf8'));

  const reports = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as Report);
  const last = new Map<string, number>();
  for (const r of reports) {
    assert.ok(r.t >= started && r.t <= Date.now());
    assert.ok(r.lines > (last.get(r.segment) ?? 0), 'whole lines on disk only grow');
    last.set(r.segment, r.lines);
  }
  assert.deepEqual([...last], [[names[0], 1000], [names[1], 1000], [names[2], 500]]);
});

test('SIGTERM finishes the current segment and exits 0', async (t) => {
  const tmp = makeTempDir('kumo-writer-');
  t.after(() => tmp.cleanup());
  const expect = join(tmp.path, 'expect.jsonl');
  const child = spawnNode(SCRIPT, ['--dir', tmp.path, '--records', '100000', '--segment-records', '300', '--rate', '2000', '--expect', expect, '--report']);
  t.after(() => child.process.kill('SIGKILL'));
  await waitFor(() => child.stdout.split('\n').length > 4, { timeoutMs: 10_000, what: 'four blocks reported' });
  child.process.kill('SIGTERM');
  assert.deepEqual(await child.exited, { code: 0, signal: null }, child.stderr);

  const names = readdirSync(tmp.path).filter((n) => n !== 'expect.jsonl').sort();
  let decoded = '';
  for (const name of names) {
    assert.equal(modeOf(join(tmp.path, name)), 0o444, name);
    const r = zstdCat(join(tmp.path, name));
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    decoded += r.stdout.toString();
  }
  const lines = decoded.split('\n').length - 1;
  assert.ok(lines > 300 && lines < 100_000, `${lines} records before SIGTERM`);
  assert.equal(decoded, readFileSync(expect, 'utf8'));
});

test('--rate paces the records', async (t) => {
  const tmp = makeTempDir('kumo-writer-');
  t.after(() => tmp.cleanup());
  const started = Date.now();
  const result = await runKumoWriter({ dir: tmp.path, records: 400, segmentRecords: 1000, rate: 1000 });
  const ms = Date.now() - started;
  assert.equal(result.records, 400);
  assert.ok(ms >= 350 && ms < 3000, `400 records at 1000/s took ${ms} ms`);
});

test('--leave-open leaves the last segment live: 0644, unfinished, its tail unwritten', async (t) => {
  const tmp = makeTempDir('kumo-writer-');
  t.after(() => tmp.cleanup());
  const blocks: BlockEvent[] = [];
  const { segments } = await runKumoWriter({ dir: tmp.path, records: 1500, segmentRecords: 1000, leaveOpen: true, onBlock: (e) => blocks.push(e) });
  const [done, live] = segments.map((n) => join(tmp.path, n)) as [string, string];
  assert.equal(modeOf(done), 0o444);
  assert.equal(modeOf(live), 0o644);
  const seen = streamDecode(readFileSync(live));
  assert.equal(seen.ended, false);
  const lastBlock = blocks.filter((b) => b.segment === segments[1]).pop();
  assert.equal(seen.data.toString().split('\n').length - 1, lastBlock?.linesOnDisk ?? 0);
  assert.ok((lastBlock?.linesOnDisk ?? 0) < 500, 'records still buffered never reached the file');
  assert.notEqual(zstdCat(live).status, 0);
});

test('--crash --cut-bytes leaves the last segment read-only and truncated', async (t) => {
  const tmp = makeTempDir('kumo-writer-');
  t.after(() => tmp.cleanup());
  const { segments } = await runKumoWriter({ dir: tmp.path, records: 800, segmentRecords: 800, crash: true, cutBytes: 50 });
  const path = join(tmp.path, segments[0]!);
  assert.equal(modeOf(path), 0o444);
  const seen = streamDecode(readFileSync(path));
  assert.equal(seen.ended, false);
  assert.ok(seen.data.toString().split('\n').length - 1 < 800, 'the cut block is lost');
  assert.match(zstdCat(path).stderr, /premature end|Read error/);
});
