// The README's quick start in miniature: `loghook tail --once` delivers the fixture segments to
// `loghook receive`, both real child processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { copyFixtureSegments, readExpectedLines } from '../helpers/fixtures.js';
import { makeTempDir } from '../helpers/tmp.js';
import { runCli } from '../helpers/cli.js';
import { jsonLines, startReceive } from './support.js';

test('tail --once to loghook receive: every fixture record arrives once, with its type and event id', async () => {
  const dir = makeTempDir();
  try {
    const logs = join(dir.path, 'logs');
    mkdirSync(logs);
    const segments = copyFixtureSegments(logs);
    const expected = segments.flatMap((s) => readExpectedLines(s).map((l) => JSON.parse(l) as { type: string }));
    const rx = await startReceive(['--format', 'json']);
    const tail = await runCli(['tail', logs, '--url', rx.url, '--once', '--batch-size', '100', '--state-dir', join(dir.path, 'state')]);
    const out = jsonLines(await rx.stop());
    assert.equal(tail.code, 0, tail.stderr);
    assert.equal(out.length, expected.length);
    assert.equal(new Set(out.map((l) => l.event_id)).size, expected.length);
    for (const l of out) assert.match(String(l.event_id), /^[0-9a-f]{16}-\d+$/);
    const count = (types: string[]) => types.reduce<Record<string, number>>((m, t) => ((m[t] = (m[t] ?? 0) + 1), m), {});
    assert.deepEqual(count(out.map((l) => l.type!)), count(expected.map((r) => r.type)));
    assert.ok(out.every((l) => l.status === 200 && l.shape === 'array'));
  } finally {
    dir.cleanup();
  }
});
