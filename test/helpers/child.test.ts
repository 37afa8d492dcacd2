import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnNode, waitFor } from './child.js';
import { makeTempDir } from './tmp.js';

const tmp = makeTempDir('child-');
after(() => tmp.cleanup());

test('spawnNode collects stdout and stderr and reports the exit code', async () => {
  const script = join(tmp.path, 'echo.mjs');
  writeFileSync(script, 'console.log(process.argv[2], process.env.GREETING); console.error("oops"); process.exit(3);');
  const child = spawnNode(script, ['hello'], { env: { GREETING: 'hi' } });
  assert.deepEqual(await child.exited, { code: 3, signal: null });
  assert.equal(child.stdout, 'hello hi\n');
  assert.equal(child.stderr, 'oops\n');
});

test('spawnNode reports the signal that ended the child', async () => {
  const script = join(tmp.path, 'wait.mjs');
  writeFileSync(script, 'console.log("ready"); setInterval(() => {}, 1000);');
  const child = spawnNode(script);
  await waitFor(() => child.stdout.includes('ready'), { what: 'child ready' });
  child.process.kill('SIGKILL');
  assert.deepEqual(await child.exited, { code: null, signal: 'SIGKILL' });
});

test('waitFor returns the first truthy value', async () => {
  let calls = 0;
  assert.equal(await waitFor(() => (++calls >= 3 ? 'done' : undefined), { intervalMs: 1 }), 'done');
  assert.equal(calls, 3);
});

test('waitFor throws when the condition is not met in time', async () => {
  await assert.rejects(waitFor(() => false, { timeoutMs: 30, what: 'never' }), /never not met within 30 ms/);
});
