// A symlink or a copy of a segment in the log dir publishes nothing twice (issue 10 §5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setup, segment, publishable } from './tail-support.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { logLines } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';

test('tail --once with a symlink to a segment, copies of it and a link to a file elsewhere: every record goes out once', async () => {
  const env = await setup();
  const elsewhere = makeTempDir('loghook-elsewhere-');
  try {
    const a = publishable(20, 1);
    const b = publishable(15, 2);
    const w = segment(env, '20260101-000000.000000001', a);
    symlinkSync(w.path, join(env.logs.path, '20260101-000500.000000001'));
    for (const copy of ['.zst', '.bak', '.old', '~', '.orig']) copyFileSync(w.path, `${w.path}${copy}`);
    // a segment kept elsewhere, linked in: read as the link's name, once
    const away = writeSegment(elsewhere.path, '20260101-000100.000000001', b);
    symlinkSync(away.path, join(env.logs.path, '20260101-000100.000000001'));
    symlinkSync(away.path, join(env.logs.path, '20260101-000200.000000001'));
    const r = await env.tail(['--once']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(new Set(env.rx.eventIds()).size, 35);
    assert.deepEqual(env.rx.requests.map((q) => q.body.toString()).sort(), [...a, ...b].sort());
    const warnings = logLines(r.stderr).filter((l) => l.level === 'warn').map((l) => l.msg);
    assert.equal(warnings.filter((m) => /looks like a copy of a segment/.test(m)).length, 5, warnings.join('\n'));
    assert.equal(warnings.filter((m) => /leads to the same file as/.test(m)).length, 2, warnings.join('\n'));
  } finally {
    elsewhere.cleanup();
    await env.close();
  }
});
