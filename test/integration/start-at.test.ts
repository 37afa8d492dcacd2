// start_at / --start-at: where a state dir's first start begins, and that a later start ignores it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, type Env } from './tail-support.js';
import { logLines } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { T0, range, receivedTimes, segmentAt, timedLines } from '../replay/support.js';

/** Two finished segments (times 0-9, 100-109) and a live one (200-209) with its blocks on disk. */
function history(env: Env) {
  segmentAt(env.logs.path, 0, timedLines(0, 10));
  segmentAt(env.logs.path, 100, timedLines(100, 10, 2));
  return segmentAt(env.logs.path, 200, timedLines(200, 10, 3), true);
}

const said = (stderr: string, re: RegExp) => logLines(stderr).filter((l) => re.test(l.msg));

test('start_at end on a first start skips everything on disk, live segment included, and takes what kumod writes next', async () => {
  const env = await setup();
  const files = makeTempDir('loghook-config-');
  try {
    const live = history(env);
    const config = join(files.path, 'loghook.toml');
    writeFileSync(config, `start_at = "end"\nstate_dir = "${env.state.path}"\n[source]\nlog_dirs = ["${env.logs.path}"]\n[[hook]]\nname = "h"\nurl = "${env.rx.url}"\n`);
    const first = await env.cli(['tail', '--once', '--config', config, '--log-format', 'json']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(env.rx.requests.length, 0);
    const line = said(first.stderr, /^start_at end: first start/);
    assert.equal(line.length, 1, first.stderr);
    assert.equal(line[0]!.segmentsSkipped, 2);
    assert.equal(line[0]!.recordsSkipped, 10);

    for (const l of timedLines(210, 5, 4)) live.write(l);
    live.finish();
    segmentAt(env.logs.path, 300, timedLines(300, 3, 5));
    const second = await env.cli(['tail', '--once', '--config', config, '--log-format', 'json']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(receivedTimes(env.rx), [...range(210, 215), ...range(300, 303)]);
    assert.equal(said(second.stderr, /^start_at end: ignored/).length, 1, second.stderr);
  } finally {
    files.cleanup();
    await env.close();
  }
});

test('--start-at TIME skips finished segments by name and the records before TIME in the boundary segment', async () => {
  const env = await setup();
  try {
    history(env);
    const at = new Date((T0 + 105) * 1000).toISOString();
    const r = await env.tail(['--once', '--start-at', at]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(receivedTimes(env.rx), [...range(105, 110), ...range(200, 210)]);
    const line = said(r.stderr, /^start_at .*: first start/);
    assert.equal(line.length, 1, r.stderr);
    assert.equal(line[0]!.segmentsSkipped, 1);
    assert.equal(line[0]!.recordsSkipped, 5);
  } finally {
    await env.close();
  }
});

test('LOGHOOK_START_AT on a state dir that has a checkpoint is ignored, with one info line', async () => {
  const env = await setup();
  try {
    history(env);
    const first = await env.tail(['--once']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(receivedTimes(env.rx), [...range(0, 10), ...range(100, 110), ...range(200, 210)]);
    assert.equal(said(first.stderr, /^start_at/).length, 0, 'oldest, the default, says nothing');
    segmentAt(env.logs.path, 400, timedLines(400, 4, 6));
    const second = await env.tail(['--once'], { LOGHOOK_START_AT: 'end' });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(receivedTimes(env.rx).filter((t) => t >= 400), range(400, 404));
    assert.equal(said(second.stderr, /^start_at end: ignored: this state dir has checkpoints/).length, 1, second.stderr);
  } finally {
    await env.close();
  }
});

test('start_at end on an empty log directory still makes the next start resume, so nothing written in between is skipped', async () => {
  const env = await setup();
  try {
    const first = await env.tail(['--once', '--start-at', 'end']);
    assert.equal(first.code, 0, first.stderr);
    segmentAt(env.logs.path, 0, timedLines(0, 6));
    const second = await env.tail(['--once', '--start-at', 'end']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(receivedTimes(env.rx), range(0, 6));
  } finally {
    await env.close();
  }
});
