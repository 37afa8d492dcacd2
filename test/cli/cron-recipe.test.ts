// The README's cron recipe, run as cron would run it (sh, with loghook's real exit codes): it
// uses flock and full paths, and prints (cron mails it) only when the exit code needs someone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { BIN } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { Receiver } from '../helpers/receiver.js';
import { publishable } from '../integration/tail-support.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');

/** The job line of the README's /etc/cron.d/loghook block: user and command. */
function cronJob(): { user: string; command: string } {
  const block = readme.slice(readme.indexOf('```cron'));
  const line = block.split('\n').find((l) => /^[*\d]/.test(l))!;
  const [, user, command] = /^(?:\S+\s+){5}(\S+)\s+(.*)$/.exec(line)!;
  return { user: user!, command: command! };
}

function sh(command: string): Promise<{ code: number; stdout: string }> {
  return new Promise((res) => {
    execFile('/bin/sh', ['-c', command], (err, stdout) => res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }));
  });
}

test('the README cron recipe runs loghook under flock by full paths', () => {
  const { user, command } = cronJob();
  assert.equal(user, 'kumod');
  assert.match(command, /^\/usr\/bin\/flock -n /);
  assert.match(command, /[ (]\/usr\/local\/bin\/loghook tail --once /);
  assert.doesNotMatch(command, /%/, 'a % in a crontab command is a newline');
});

test('the README cron recipe prints nothing for 0 and 10, and the log for 12', async () => {
  const tmp = makeTempDir('loghook-cron-');
  const rx = await Receiver.start({ defaultResponse: { status: 503 } });
  try {
    const logs = join(tmp.path, 'logs');
    mkdirSync(logs);
    writeSegment(logs, '20260101-000000.000000001', publishable(3));
    const envFile = join(tmp.path, 'loghook.env');
    const run = (url: string, state: string) => {
      writeFileSync(envFile, `LOGHOOK_URL=${url}\nLOGHOOK_STATE_DIR=${join(tmp.path, state)}\nLOGHOOK_LOG_FORMAT=json\n`);
      const command = cronJob().command
        .replace('/run/lock/loghook.lock', join(tmp.path, 'lock'))
        .replace('/etc/loghook/loghook.env', envFile)
        .replace('/usr/local/bin/loghook', `${process.execPath} ${BIN}`)
        .replace('/var/log/kumomta', logs);
      return sh(command);
    };
    rx.script(...Array.from({ length: 3 }, () => ({ status: 200 })));
    assert.equal((await run(rx.url, 'ok')).stdout, '', 'exit 0 is not mailed');
    assert.equal(rx.eventIds({ acceptedOnly: true }).length, 3, 'the recipe did run loghook');
    assert.equal((await run(rx.url, 'retry')).stdout, '', 'exit 10 (503: retries pending) is not mailed');
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const down = await run(`http://127.0.0.1:${port}/hook`, 'down');
    assert.match(down.stdout, /^loghook tail --once exited 12 /);
    assert.match(down.stdout, /never answered in this run/, 'with the log of the run');
  } finally {
    await rx.close();
    tmp.cleanup();
  }
});
