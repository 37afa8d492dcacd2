// README, --help and man/loghook.1 describe the same program: every option --help lists is
// documented in the other two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { FILE_KEYS } from '../../src/config/validate.js';
import { HOOK_KEYS } from '../../src/config/hook-schema.js';
import { ExitCode } from '../../src/util/errors.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
const man = readFileSync(resolve(ROOT, 'man/loghook.1'), 'utf8').replace(/\\/g, '');

async function optionsOf(args: string[]): Promise<string[]> {
  const r = await runCli([...args, '--help']);
  assert.equal(r.code, 0);
  return [...new Set([...r.stdout.toString().matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]!))].filter((o) => o !== '--help');
}

for (const cmd of [['tail'], ['replay'], ['check'], ['cat'], ['status'], ['dead', 'list'], ['dead', 'requeue'], ['dead', 'purge'], ['receive'], ['send-test'], ['state', 'check']]) {
  test(`every option of loghook ${cmd.join(' ')} --help is in the README and the man page`, async () => {
    const opts = await optionsOf(cmd);
    assert.ok(opts.length > 0);
    for (const o of opts) {
      assert.ok(readme.includes(o), `README lacks ${o}`);
      assert.ok(man.includes(o), `man page lacks ${o}`);
    }
  });
}

test('every command is in the README and the man page', async () => {
  const r = await runCli(['--help']);
  const cmds = [...r.stdout.toString().matchAll(/^\s{2}([a-z-]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  assert.deepEqual(cmds, ['tail', 'replay', 'cat', 'status', 'dead', 'check', 'receive', 'send-test', 'state']);
  for (const c of cmds) {
    assert.ok(readme.includes(`loghook ${c}`), c);
    assert.ok(man.includes(`.B ${c}`) || man.includes(`.B loghook ${c}`), c);
  }
});

test('every exit code of ExitCode is in the README table and the man page', () => {
  for (const [name, code] of Object.entries(ExitCode)) {
    if (code >= 10 || code === 0) continue; // tail --once codes and success: their own tables
    assert.match(readme, new RegExp(`^\\| ${code} \\|`, 'm'), `README lacks exit code ${code} (${name})`);
    assert.match(man, new RegExp(`^\\.B ${code}$`, 'm'), `man page lacks exit code ${code} (${name})`);
  }
});

test('the README starts with the two commands: install and run, install and test', () => {
  const first = readme.split('```')[1]!;
  assert.match(first, /npm install && npx loghook tail /);
  assert.match(first, /npm install && npm test/);
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await runCli(['--version']);
  assert.equal(r.stdout.toString().trim(), pkg.version);
});

test('every key of the config file is in the README reference table and the man page', () => {
  const table = readme.slice(readme.indexOf('### Configuration reference'));
  const rows = table.slice(0, table.indexOf('\n\n', table.indexOf('| key |')));
  const keys = new Set([...FILE_KEYS.top, ...FILE_KEYS.source, ...FILE_KEYS.metrics, ...Object.values(HOOK_KEYS).flat()]);
  assert.ok(keys.size > 70);
  for (const k of keys) {
    const documented = k === 'match' ? rows.includes('`[hook.match]`') : new RegExp(`\`(\\[\\w+\\] )?${k}\``).test(rows);
    assert.ok(documented, `README reference lacks ${k}`);
    assert.ok(man.includes(k), `man page lacks ${k}`);
  }
});

test('the exit codes of tail --once are in --help, the README table and the man page, in one precedence order', async () => {
  const help = (await runCli(['tail', '--help'])).stdout.toString().replace(/\s+/g, ' ');
  const table = readme.slice(readme.indexOf('#### Exit codes of `tail --once`'));
  const rows = [...table.slice(0, table.indexOf('\n\n', table.indexOf('| code |'))).matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
  assert.deepEqual(rows, [0, 5, 14, 13, 12, 11, 10], 'the README lists them in precedence order');
  assert.match(help, /the first of 5, 14, 13, 12, 11, 10 wins/);
  assert.match(man, /the first of 5, 14, 13, 12, 11, 10/);
  for (const code of [10, 11, 12, 13, 14]) {
    assert.match(help, new RegExp(`\\b${code} [a-z]`), `--help lacks ${code}`);
    assert.match(man, new RegExp(`^\\.B ${code}$`, 'm'), `man page lacks ${code}`);
  }
});
