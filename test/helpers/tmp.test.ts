import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from './tmp.js';

test('cleanup removes a tree holding read-only segments and a read-only directory', () => {
  const tmp = makeTempDir();
  const sub = join(tmp.path, 'logs');
  mkdirSync(sub);
  writeFileSync(join(sub, '20261101-000000.000000000'), 'x', { mode: 0o444 });
  chmodSync(sub, 0o555);
  tmp.cleanup();
  assert.equal(existsSync(tmp.path), false);
});

test('cleanup of an already removed directory is a no-op', () => {
  const tmp = makeTempDir();
  tmp.cleanup();
  assert.doesNotThrow(() => tmp.cleanup());
});
