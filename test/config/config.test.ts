import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { defaultStateDir, SYSTEM_STATE_DIR } from '../../src/config/state-dir.js';
import { parseDuration, parseSize, parseCount } from '../../src/config/units.js';
import { parseTimeArg } from '../../src/config/time.js';
import { parseMaxQueue } from '../../src/config/from-flags.js';
import { UsageError } from '../../src/util/errors.js';
import { accessSync, constants } from 'node:fs';

test('durations read as KumoMTA writes them, plain numbers as milliseconds', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1m'), 60_000);
  assert.equal(parseDuration('20m'), 1_200_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('1500'), 1500);
  assert.throws(() => parseDuration('soon', '--timeout'), (e: unknown) => e instanceof UsageError && /--timeout: "soon"/.test(e.message));
  assert.throws(() => parseDuration('5y', '--max-age'), /unknown unit "y"/);
});

test('sizes read in binary and decimal units, plain numbers as bytes', () => {
  assert.equal(parseSize('512KiB'), 524_288);
  assert.equal(parseSize('5MB'), 5_000_000);
  assert.equal(parseSize('2GiB'), 2 * 1024 ** 3);
  assert.equal(parseSize('100'), 100);
  assert.throws(() => parseCount('0', '--batch-size'), /at least 1/);
});

test('--max-queue: a plain number counts records, a size counts bytes', () => {
  assert.deepEqual(parseMaxQueue('1000000'), { records: 1_000_000 });
  assert.deepEqual(parseMaxQueue('2GiB'), { bytes: 2 * 1024 ** 3 });
});

test('--since/--until take ISO times, unix seconds and durations ago', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  assert.equal(parseTimeArg('2026-11-26T10:00:00Z', '--since', now), Date.parse('2026-11-26T10:00:00Z') / 1000);
  assert.equal(parseTimeArg('1793491200', '--since', now), 1793491200);
  assert.equal(parseTimeArg('2h', '--since', now), (now - 7_200_000) / 1000);
  assert.throws(() => parseTimeArg('yesterday', '--since', now), /--since: "yesterday" is not a time/);
});

test('the default state dir is /var/lib/loghook when writable, else $XDG_STATE_HOME/loghook, else ~/.local/state/loghook', () => {
  let systemWritable = true;
  try {
    accessSync('/var/lib', constants.W_OK);
  } catch {
    systemWritable = false;
  }
  if (systemWritable) {
    assert.equal(defaultStateDir({}), SYSTEM_STATE_DIR);
  } else {
    assert.equal(defaultStateDir({ XDG_STATE_HOME: '/tmp/xdg' }), '/tmp/xdg/loghook');
    assert.equal(defaultStateDir({}), join(homedir(), '.local', 'state', 'loghook'));
  }
});
