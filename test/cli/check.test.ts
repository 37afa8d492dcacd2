// `loghook check` as a user runs it: the built binary on real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';

// Values that must never reach the output: from the environment, from a file, or written in the
// file where loghook knows them for secrets (header values, passwords, URL userinfo and queries).
const SECRETS = {
  envKey: 'env-key-7f3a9c',
  fileToken: 'file-token-1b2d8e',
  urlPassword: 'url-pass-44e1',
  queryValue: 'query-val-93c0',
  inlineHeader: 'inline-header-55aa',
  basicPassword: 'basic-pass-0b7e',
  signing: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
};

function files() {
  const dir = makeTempDir('loghook-check-');
  writeFileSync(join(dir.path, 'token'), `${SECRETS.fileToken}\n`);
  writeFileSync(join(dir.path, 'customers.toml'), `[acme]\nurl = "https://acme.example/kumo"\nheaders = { "X-Key" = "\${env:EVENTS_KEY}" }\n`);
  const good = join(dir.path, 'loghook.toml');
  writeFileSync(
    good,
    `state_dir = "state"
max_queue = 1000000
[source]
log_dirs = ["/var/log/kumomta"]
poll = "5s"
[[hook]]
name = "events"
url = "https://kumo:${SECRETS.urlPassword}@events.example.com/kumo?api_key=${SECRETS.queryValue}"
headers = { "X-Api-Key" = "\${env:EVENTS_KEY}", "X-Other" = "${SECRETS.inlineHeader}" }
batch_size = 100
signing_secret = "${SECRETS.signing}"
[[hook]]
name = "customers"
url = "https://hooks.example.com/{tenant}/kumo"
routes = "customers.toml"
route_key = "{tenant}"
basic_user = "kumo"
basic_password = "${SECRETS.basicPassword}"
[[hook]]
name = "bus"
kind = "nats"
servers = ["nats://127.0.0.1:4222"]
subject = "kumo.{type}"
token = "\${file:token}"
`,
  );
  const bad = join(dir.path, 'bad.toml');
  writeFileSync(
    bad,
    `[source]
log_dirs = ["/var/log/kumomta"]
[[hook]]
name = "events"
url = "https://h.example/"
max_batch_latancy = "1s"
timeout = 30
headers = { "X-Api-Key" = "\${env:MISSING_KEY}" }
[[hook]]
name = "events"
url = "https://h.example/{tenant"
`,
  );
  return { dir, good, bad };
}

test('check prints the resolved configuration with every secret masked and exits 0', async () => {
  const f = files();
  try {
    const r = await runCli(['check', '--config', f.good], { EVENTS_KEY: SECRETS.envKey });
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /valid, 3 hooks/);
    assert.match(out, new RegExp(`state_dir = "${f.dir.path}/state"`));
    assert.match(out, /max_queue = 1000000/);
    assert.match(out, /poll = "5s"/);
    assert.match(out, /concurrency = 8/, 'defaults are filled in');
    assert.match(out, /url = "https:\/\/\*\*\*@events\.example\.com\/kumo\?api_key=\*\*\*"/);
    assert.match(out, /headers = \{ "X-Api-Key" = "\*\*\*", "X-Other" = "\*\*\*" \}/);
    assert.match(out, /token = "\*\*\*"/);
    for (const [what, value] of Object.entries(SECRETS)) assert.ok(!out.includes(value), `${what} is shown`);
    const json = await runCli(['check', '--json'], { EVENTS_KEY: SECRETS.envKey, LOGHOOK_CONFIG: f.good });
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout.toString()) as { file: string; config: { hooks: { name: string }[] } };
    assert.equal(parsed.file, f.good);
    assert.deepEqual(parsed.config.hooks.map((h) => h.name), ['events', 'customers', 'bus']);
    for (const [what, value] of Object.entries(SECRETS)) assert.ok(!json.stdout.toString().includes(value), `${what} is in --json`);
  } finally {
    f.dir.cleanup();
  }
});

test('check prints every problem with file, line and key, and exits 2', async () => {
  const f = files();
  try {
    const r = await runCli(['check', '--config', f.bad]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout.length, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines[0], 'loghook: 5 problems in the configuration:');
    for (const l of lines) assert.match(l, /^loghook: /, 'every line of a message has the prefix');
    assert.deepEqual(lines.slice(1).map((l) => l.slice('loghook: '.length).trim().slice(f.bad.length + 2).replace(/: .*/, '')), ['line 6', 'line 7', 'line 8', 'line 10', 'line 11']);
    assert.match(r.stderr, /line 6: hook 'events': unknown key 'max_batch_latancy' \(did you mean max_batch_latency\?\)/);
    assert.match(r.stderr, /line 7: hook 'events': timeout: 30 has no unit/);
    assert.match(r.stderr, /line 8: hook 'events': headers.X-Api-Key: \$\{env:MISSING_KEY\}: the environment variable MISSING_KEY is not set/);
    assert.match(r.stderr, /line 10: hook 'events': name: the name 'events' is already taken by the hook on line 4/);
    assert.match(r.stderr, /line 11: hook 'events': url: the '\{' at character 19 is never closed/);
  } finally {
    f.dir.cleanup();
  }
});

test('check without --config uses the default file when it exists; without any it is a usage error', async () => {
  const f = files();
  try {
    const r = await runCli(['check'], { EVENTS_KEY: SECRETS.envKey, LOGHOOK_DEFAULT_CONFIG: f.good, LOGHOOK_CONFIG: '' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), new RegExp(`# ${f.good}: valid`));
    const none = await runCli(['check'], { LOGHOOK_DEFAULT_CONFIG: join(f.dir.path, 'absent.toml'), LOGHOOK_CONFIG: '' });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no config file: give --config FILE/);
    const missing = await runCli(['check', '--config', join(f.dir.path, 'absent.toml')]);
    assert.equal(missing.code, 5);
    assert.match(missing.stderr, /config file .*absent\.toml: cannot read it: ENOENT/);
  } finally {
    f.dir.cleanup();
  }
});
