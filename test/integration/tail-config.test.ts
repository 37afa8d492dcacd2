// `loghook tail` with a config file: the built binary, real segments, a real receiver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { Receiver } from '../helpers/receiver.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { publishable } from './tail-support.js';

interface Env {
  root: TempDir;
  logs: string;
  /** a state dir path that does not exist yet */
  state: string;
  rx: Receiver;
  write(name: string, text: string): string;
  close(): Promise<void>;
}

async function setup(records = 20): Promise<Env> {
  const root = makeTempDir('loghook-tailcfg-');
  const logs = join(root.path, 'logs');
  mkdirSync(logs);
  writeSegment(logs, '20260101-000000.000000001', publishable(records));
  const rx = await Receiver.start();
  return {
    root,
    logs,
    state: join(root.path, 'state'),
    rx,
    write(name, text) {
      const p = join(root.path, name);
      writeFileSync(p, text);
      return p;
    },
    async close() {
      await rx.close();
      root.cleanup();
    },
  };
}

const hook = (env: Env, extra = '') => `[[hook]]\nname = "events"\nurl = "${env.rx.url}"\nheaders = { "X-Api-Key" = "\${env:EVENTS_KEY}" }\n${extra}`;

test('tail --config FILE --once delivers every record to the file\'s hook, with its secret header', async () => {
  const env = await setup();
  try {
    const file = env.write('loghook.toml', `state_dir = "state"\nlog_format = "json"\n[source]\nlog_dirs = ["logs"]\n${hook(env, 'batch_size = 5\n')}`);
    const r = await runCli(['tail', '--config', file, '--once'], { EVENTS_KEY: 'k-1' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(env.rx.requests.length, 4, 'batches of 5');
    assert.equal(new Set(env.rx.eventIds()).size, 20);
    for (const q of env.rx.requests) assert.equal(q.headers['x-api-key'], 'k-1');
    assert.ok(existsSync(join(env.state, 'queue.db')), 'state_dir is relative to the file');
  } finally {
    await env.close();
  }
});

test('tail with neither --config nor DIR --url uses the default config file (LOGHOOK_DEFAULT_CONFIG stands in for /etc)', async () => {
  const env = await setup();
  try {
    const file = env.write('etc.toml', `state_dir = "state"\n[source]\nlog_dirs = ["logs"]\n${hook(env)}`);
    const r = await runCli(['tail', '--once', '--log-format', 'json'], { LOGHOOK_DEFAULT_CONFIG: file, EVENTS_KEY: 'k-1' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(new Set(env.rx.eventIds()).size, 20);
  } finally {
    await env.close();
  }
});

test('tail DIR --url ignores the default config file and runs the default hook as before', async () => {
  const env = await setup();
  try {
    const broken = env.write('etc.toml', 'this is not toml\n');
    const r = await runCli(['tail', env.logs, '--url', env.rx.url, '--state-dir', env.state, '--once', '--log-format', 'json'], { LOGHOOK_DEFAULT_CONFIG: broken });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(new Set(env.rx.eventIds()).size, 20);
  } finally {
    await env.close();
  }
});

test('with --config, --state-dir overrides state_dir and DIR overrides [source] log_dirs', async () => {
  const env = await setup();
  try {
    const fileState = join(env.root.path, 'file-state');
    const file = env.write('loghook.toml', `state_dir = "${fileState}"\n[source]\nlog_dirs = ["/nonexistent/logs"]\n${hook(env)}`);
    const r = await runCli(['tail', '--config', file, env.logs, '--state-dir', env.state, '--once', '--log-format', 'json'], { EVENTS_KEY: 'k-1' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(new Set(env.rx.eventIds()).size, 20);
    assert.ok(existsSync(join(env.state, 'queue.db')));
    assert.ok(!existsSync(fileState), "the file's state_dir is not touched");
    const viaEnv = await runCli(['tail', env.logs, '--once'], { LOGHOOK_CONFIG: file, LOGHOOK_STATE_DIR: env.state, EVENTS_KEY: 'k-1' });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.ok(!existsSync(fileState), 'LOGHOOK_STATE_DIR overrides it too');
  } finally {
    await env.close();
  }
});

test('with --config, a hook flag is refused before any state is touched', async () => {
  const env = await setup();
  try {
    const file = env.write('loghook.toml', `state_dir = "state"\n[source]\nlog_dirs = ["logs"]\n${hook(env)}`);
    const flag = await runCli(['tail', '--config', file, '--batch-size', '10', '--once'], { EVENTS_KEY: 'k-1' });
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--batch-size: this configures the hook of 'tail DIR --url', but the hooks come from .*loghook\.toml: set batch_size in its \[\[hook\]\] tables instead/);
    const fromEnv = await runCli(['tail', '--config', file, '--once'], { EVENTS_KEY: 'k-1', LOGHOOK_URL: env.rx.url });
    assert.equal(fromEnv.code, 2);
    assert.match(fromEnv.stderr, /LOGHOOK_URL \(--url\): this configures the hook/);
    assert.ok(!existsSync(env.state));
    assert.equal(env.rx.requests.length, 0);
  } finally {
    await env.close();
  }
});

test('an invalid config file stops tail with exit 2 before any state is touched', async () => {
  const env = await setup();
  try {
    const file = env.write('loghook.toml', `state_dir = "state"\n[source]\nlog_dirs = ["logs"]\n${hook(env, 'max_batch_latancy = "1s"\n')}`);
    const r = await runCli(['tail', '--config', file, '--once']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /loghook: 2 problems in the configuration:/);
    assert.match(r.stderr, /line 7: hook 'events': headers.X-Api-Key: \$\{env:EVENTS_KEY\}: the environment variable EVENTS_KEY is not set/);
    assert.match(r.stderr, /line 8: hook 'events': unknown key 'max_batch_latancy' \(did you mean max_batch_latency\?\)/);
    assert.ok(!existsSync(env.state));
    assert.deepEqual(readdirSync(env.root.path).sort(), ['loghook.toml', 'logs']);
  } finally {
    await env.close();
  }
});

