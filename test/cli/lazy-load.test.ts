// The broker clients and the TOML parser are loaded on first use (src/util/lazy-require.ts): a
// tail of one HTTP hook from flags loads neither; one from a config file loads the TOML parser
// (which also shows the check below sees a package that is loaded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from '../helpers/cli.js';

const LAZY = ['amqplib', '@nats-io/transport-node', '@nats-io/jetstream', 'toml-eslint-parser'];

/** The packages of LAZY that a `loghook tail --once` loaded, read from require's cache at exit. */
function loadedBy(args: string[], dir: string): string[] {
  const preload = join(dir, 'report.cjs');
  writeFileSync(preload, "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n");
  const r = spawnSync(process.execPath, ['-r', preload, BIN, 'tail', '--once', ...args], { encoding: 'utf8' });
  const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  assert.ok(line, `no report (exit ${r.status}): ${r.stderr.slice(-1000)}`);
  const files = JSON.parse(line.slice(7)) as string[];
  return LAZY.filter((p) => files.some((f) => f.includes(`/node_modules/${p}/`)));
}

test('a tail of one HTTP hook from flags loads no broker client and no TOML parser; from a config file it loads the parser only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loghook-lazy-'));
  try {
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    assert.deepEqual(loadedBy(['--state-dir', join(dir, 'a'), '--url', 'http://127.0.0.1:9/x', logs], dir), []);
    const config = join(dir, 'loghook.toml');
    writeFileSync(config, `state_dir = "${join(dir, 'b')}"\n[source]\nlog_dirs = ["${logs}"]\n[[hook]]\nname = "h"\nurl = "http://127.0.0.1:9/x"\n`);
    assert.deepEqual(loadedBy(['--config', config], dir), ['toml-eslint-parser']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
