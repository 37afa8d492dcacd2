// regression (issue 10 §3): a state dir reused with another log dir and URL sent the old
// queue's records to the new URL without a word. Now the start says how many, from where, and
// where they go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logLines, runCli } from '../helpers/cli.js';
import { Receiver } from '../helpers/receiver.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { makeTempDir } from '../helpers/tmp.js';
import { publishable } from './tail-support.js';

async function twoRuns(second: 'other' | 'same') {
  const logsA = makeTempDir('loghook-logs-a-');
  const logsB = makeTempDir('loghook-logs-b-');
  const state = makeTempDir('loghook-state-');
  const rxA = await Receiver.start({ respond: () => ({ status: 503 }) });
  const rxB = await Receiver.start();
  try {
    writeSegment(logsA.path, '20260101-000000.000000001', publishable(400, 1));
    writeSegment(logsB.path, '20260101-000000.000000001', publishable(100, 2));
    const first = await runCli(['tail', logsA.path, '--url', rxA.url, '--state-dir', state.path, '--log-format', 'json', '--once']);
    assert.equal(first.code, 10, first.stderr); // all 400 still queued
    const args = second === 'other' ? [logsB.path, '--url', `${rxB.url}?token=s3cr3t`] : [logsA.path, '--url', rxA.url];
    const r = await runCli(['tail', ...args, '--state-dir', state.path, '--log-format', 'json', '--once']);
    return { r, logsA: logsA.path, urlA: rxA.url, urlB: rxB.url };
  } finally {
    await rxA.close();
    await rxB.close();
    logsA.cleanup();
    logsB.cleanup();
    state.cleanup();
  }
}

test('a state dir reused with another log dir and URL warns at start how many records are queued from where and where they now go', async () => {
  const { r, logsA, urlA, urlB } = await twoRuns('other');
  const warns = logLines(r.stderr).filter((l) => l.level === 'warn');
  const fromDir = warns.find((l) => /queued records read from log dirs this run does not read/.test(l.msg));
  assert.ok(fromDir, r.stderr);
  assert.equal(fromDir.records, 400);
  assert.deepEqual(fromDir.streams, { [`${logsA}/*`]: 400 });
  assert.deepEqual(fromDir.destinations, { [`go by hook 'default' to ${urlB}?token=***`]: 400 });
  const moved = warns.find((l) => /^hook 'default' has 400 queued records from a run that sent to /.test(l.msg));
  assert.ok(moved, r.stderr);
  assert.deepEqual([moved.was, moved.now], [urlA, `${urlB}?token=***`]);
  assert.doesNotMatch(r.stderr, /s3cr3t/, 'the query secret is masked');
});

test('a restart with the same log dir and URL gives no foreign-queue warning', async () => {
  const { r } = await twoRuns('same');
  assert.deepEqual(logLines(r.stderr).filter((l) => /does not read|from a run that sent to/.test(l.msg)), []);
});
