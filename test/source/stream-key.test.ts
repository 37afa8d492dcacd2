// The stream key's grammar (source/types.ts): what streamKey makes, streamDir and isStreamOf read back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStreamOf, streamDir, streamKey } from '../../src/source/types.js';

test('a stream key gives back its directory, and belongs to that directory only', () => {
  const k = streamKey('/var/log/kumo', '.gz');
  assert.equal(streamDir(k), '/var/log/kumo');
  assert.equal(streamDir(streamKey('/var/log/kumo', '')), '/var/log/kumo');
  assert.equal(isStreamOf(k, '/var/log/kumo'), true);
  assert.equal(isStreamOf(k, '/var/log'), false, 'not a parent directory');
  assert.equal(isStreamOf(k, '/var/log/kum'), false, 'not a directory sharing a prefix');
});

test('a single file named on the command line is a stream of no directory', () => {
  assert.equal(streamDir('/var/log/kumo/20260101-000000'), null);
  assert.equal(isStreamOf('/var/log/kumo/20260101-000000', '/var/log/kumo'), false);
});
