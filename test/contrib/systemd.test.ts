// contrib/systemd/loghook.service passes `systemd-analyze verify` without a single complaint.
// verify only warns (and exits 0) on an unknown key, a bad value or an unknown section, so any
// output at all is a failure here. It also checks that every Exec command exists: the unit names
// /usr/bin/loghook, which a clone does not install, so a copy points it at a stub (the only change).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/tmp.js';
import { ExitCode } from '../../src/util/errors.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const UNIT = readFileSync(resolve(ROOT, 'contrib/systemd/loghook.service'), 'utf8');
const analyze = spawnSync('systemd-analyze', ['--version']);
const skip = analyze.error ? 'systemd-analyze is not installed (Debian package systemd; .ci/run installs it)' : false;

/** Writes `unit` into a temp dir with /usr/bin/loghook (and /bin/kill, if this machine lacks it) pointing at stubs. */
function verify(unit: string, args: string[] = ['verify', '--man=no']): { code: number | null; output: string } {
  const dir = makeTempDir();
  try {
    const stub = join(dir.path, 'loghook');
    writeFileSync(stub, '#!/bin/sh\nexit 0\n');
    chmodSync(stub, 0o755);
    let text = unit.replaceAll('/usr/bin/loghook', stub);
    if (!existsSync('/bin/kill')) text = text.replaceAll('/bin/kill', stub);
    const file = join(dir.path, 'loghook.service');
    writeFileSync(file, text);
    const r = spawnSync('systemd-analyze', [...args, file], { encoding: 'utf8' });
    return { code: r.status, output: (r.stdout + r.stderr).trim() };
  } finally {
    dir.cleanup();
  }
}

test('systemd-analyze verify finds nothing to say about contrib/systemd/loghook.service', { skip }, () => {
  const r = verify(UNIT);
  assert.equal(r.output, '');
  assert.equal(r.code, 0);
});

test('the verify check fails on a misspelled directive, a bad value and an unknown section', { skip }, () => {
  assert.match(verify(UNIT.replace('LockPersonality=yes', 'LockPersonalty=yes')).output, /Unknown key 'LockPersonalty'/);
  assert.match(verify(UNIT.replace('RestartPreventExitStatus=2 3 4', 'RestartPreventExitStatus=2 3 four')).output, /Failed to parse/);
  assert.match(verify(UNIT.replace('[Install]', '[Instal]')).output, /Unknown section 'Instal'/);
});

test('the unit passes systemd-analyze security with an exposure of at most 2.0 ("OK")', { skip }, (t) => {
  const probe = spawnSync('systemd-analyze', ['security', '--help'], { encoding: 'utf8' });
  if (!probe.stdout.includes('--offline')) return t.skip('this systemd-analyze has no security --offline (systemd < 250)');
  const r = verify(UNIT, ['security', '--offline=yes', '--man=no', '--threshold=20']);
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /Overall exposure level for loghook\.service: (1\.\d|2\.0|0\.\d) /);
});

test('the unit does not restart on the exit codes a restart cannot fix: usage, locked, incompatible state', () => {
  const line = UNIT.match(/^RestartPreventExitStatus=(.*)$/m);
  assert.ok(line);
  assert.deepEqual(line[1]!.trim().split(/\s+/).map(Number), [ExitCode.usage, ExitCode.locked, ExitCode.incompatibleState]);
  assert.match(UNIT, /^Restart=on-failure$/m);
});

test('the unit runs as its own user, reads /var/log/kumomta read-only and does not set MemoryDenyWriteExecute', () => {
  for (const line of ['User=loghook', 'StateDirectory=loghook', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'ExecReload=/bin/kill -HUP $MAINPID']) {
    assert.ok(UNIT.split('\n').includes(line), line);
  }
  assert.match(UNIT, /^ReadOnlyPaths=-?\/var\/log\/kumomta$/m);
  assert.doesNotMatch(UNIT, /^MemoryDenyWriteExecute=/m);
});
