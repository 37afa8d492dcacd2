// contrib/loghook.toml, the example config the systemd unit reads, is valid TOML and uses the
// config file's key names. Once this build has `loghook check`, the example must pass it too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getStaticTOMLValue, parseTOML } from 'toml-eslint-parser';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const TEXT = readFileSync(resolve(ROOT, 'contrib/loghook.toml'), 'utf8');

type Table = Record<string, unknown>;

test('contrib/loghook.toml parses as TOML, with the top-level, [source], [metrics] and [[hook]] keys', () => {
  const config = getStaticTOMLValue(parseTOML(TEXT)) as Table;
  assert.deepEqual(Object.keys(config).sort(), ['hook', 'log_level', 'max_queue', 'metrics', 'shutdown_timeout', 'source', 'start_at', 'state_dir']);
  assert.deepEqual(Object.keys(config.source as Table).sort(), ['log_dirs', 'max_line_bytes']);
  assert.deepEqual((config.source as Table).log_dirs, ['/var/log/kumomta']);
  assert.equal((config.metrics as Table).listen, '127.0.0.1:9464');
  const hooks = config.hook as Table[];
  assert.equal(hooks.length, 1);
  const h = hooks[0]!;
  for (const key of ['name', 'kind', 'url', 'types', 'include_log_record', 'batch_size', 'min_batch_size', 'max_batch_latency', 'max_batch_bytes', 'batch_format', 'concurrency', 'timeout', 'retry_interval', 'max_retry_interval', 'max_age', 'headers', 'signing_secret', 'match']) {
    assert.ok(key in h, key);
  }
  assert.deepEqual(h.headers, { 'X-Api-Key': '${env:EVENTS_KEY}' });
  assert.equal(h.signing_secret, '${file:/etc/loghook/events.secret}');
  assert.deepEqual(h.match, { egress_pool: ['pool-a', 'pool-b'], 'meta.opt_in': 'true' });
  // Keys shown commented out, as examples of what is off by default.
  for (const key of ['pattern', 'poll', 'retry_on', 'final_on', 'routes', 'route_key', 'default_url']) {
    assert.match(TEXT, new RegExp(`^# ${key} = `, 'm'), key);
  }
  // Durations and sizes carry their unit (the config file refuses a bare number for them).
  for (const key of ['shutdown_timeout', 'max_batch_latency', 'timeout', 'retry_interval', 'max_retry_interval', 'max_age']) {
    const v = key in config ? config[key] : h[key];
    assert.match(String(v), /^\d+(ms|s|m|h|d)$/, key);
  }
});

test('loghook check accepts contrib/loghook.toml (its secrets and state dir supplied)', async (t) => {
  const help = await runCli(['--help']);
  if (!/^\s{2}check /m.test(help.stdout.toString())) return t.skip('this build has no `loghook check` yet');
  const dir = makeTempDir();
  try {
    const secret = join(dir.path, 'events.secret');
    writeFileSync(secret, 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64') + '\n');
    const config = join(dir.path, 'loghook.toml');
    writeFileSync(config, TEXT.replace('/etc/loghook/events.secret', secret).replace('"/var/lib/loghook"', JSON.stringify(join(dir.path, 'state'))).replace('["/var/log/kumomta"]', JSON.stringify([dir.path])));
    const r = await runCli(['check', '--config', config], { EVENTS_KEY: 'k-123' });
    assert.equal(r.code, 0, r.stderr + r.stdout.toString());
  } finally {
    dir.cleanup();
  }
});
