// loghook.toml from real files: what it resolves to, and every kind of problem named by file,
// line and key, all of them at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/tmp.js';
import { loadConfigFile, loadRoutesFile } from '../../src/config/load.js';
import { ConfigError, type ConfigProblem } from '../../src/config/problems.js';
import { configFromFlags } from '../../src/config/from-flags.js';
import { HOOK_DEFAULTS, DEFAULTS } from '../../src/config/defaults.js';
import { InputError } from '../../src/util/errors.js';
import type { HttpHookConfig, NatsHookConfig, AmqpHookConfig } from '../../src/config/schema.js';

const EXAMPLE = `state_dir = "/var/lib/loghook"

[source]
log_dirs = ["/var/log/kumomta"]

[[hook]]
name = "events"                     # unique; [a-z0-9_-]+; names its queue for good
url = "https://events.example.com/kumo"
types = ["Delivery", "Bounce", "TransientFailure"]
batch_size = 100
max_batch_latency = "1s"
headers = { "X-Api-Key" = "\${env:EVENTS_KEY}" }

[[hook]]
name = "customers"
url = "https://hooks.example.com/{tenant}/kumo"   # one isolated endpoint per resolved URL
routes = "customers.toml"
route_key = "{tenant}"
default_url = "https://hooks.example.com/unrouted"  # optional
[hook.match]
egress_pool = ["shared-*", "dedicated-*"]
"meta.opt_in" = "yes"
`;

const ROUTES = `[acme]
url = "https://acme.example.com/kumo"
headers = { "X-Key" = "\${env:ACME_KEY}" }
types = ["Delivery"]
[acme.match]
egress_pool = "acme-*"
`;

function withDir(fn: (dir: string, write: (name: string, text: string) => string) => void): void {
  const tmp = makeTempDir('loghook-config-');
  try {
    fn(tmp.path, (name, text) => {
      const p = join(tmp.path, name);
      writeFileSync(p, text);
      return p;
    });
  } finally {
    tmp.cleanup();
  }
}

function problems(fn: () => unknown): ConfigProblem[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  assert.fail('expected a ConfigError');
}

/** Loads `text` (plus a minimal source and hook unless given) and returns its one problem. */
function oneProblem(text: string, env: NodeJS.ProcessEnv = {}): ConfigProblem {
  let out: ConfigProblem[] = [];
  withDir((_, write) => {
    const file = write('loghook.toml', text);
    out = problems(() => loadConfigFile(file, { env }));
    for (const p of out) assert.equal(p.file, file);
  });
  assert.equal(out.length, 1, out.map((p) => p.message).join('\n'));
  return out[0]!;
}

const BASE = `[source]\nlog_dirs = ["/logs"]\n[[hook]]\nname = "events"\nurl = "https://h.example/x"\n`;

test('the example configuration resolves: defaults filled in, secrets substituted, paths relative to the file', () => {
  withDir((dir, write) => {
    const file = write('loghook.toml', EXAMPLE);
    write('customers.toml', ROUTES);
    const { config, secrets } = loadConfigFile(file, { env: { EVENTS_KEY: 'k-123', ACME_KEY: 'acme-456' } });
    assert.equal(config.stateDir, '/var/lib/loghook');
    assert.deepEqual(config.maxQueue, { bytes: DEFAULTS.maxQueueBytes });
    assert.deepEqual(config.source.logDirs, ['/var/log/kumomta']);
    assert.deepEqual(config.startAt, { kind: 'oldest' });
    const [events, customers] = config.hooks as HttpHookConfig[];
    assert.equal(events!.kind, 'http');
    assert.equal(events!.batchSize, 100);
    assert.equal(events!.maxBatchLatencyMs, 1000);
    assert.equal(events!.concurrency, HOOK_DEFAULTS.concurrency);
    assert.deepEqual(events!.types, ['Delivery', 'Bounce', 'TransientFailure']);
    assert.deepEqual(events!.headers, [{ name: 'X-Api-Key', value: 'k-123' }]);
    assert.equal(customers!.routes, join(dir, 'customers.toml'));
    assert.equal(customers!.routeKey, '{tenant}');
    assert.equal(customers!.defaultUrl, 'https://hooks.example.com/unrouted');
    assert.deepEqual(customers!.match, [
      { field: 'egress_pool', globs: ['shared-*', 'dedicated-*'] },
      { field: 'meta.opt_in', globs: ['yes'] },
    ]);
    assert.deepEqual([...secrets].sort(), ['acme-456', 'k-123']);
  });
});

test('a [[hook]] with only name and url gets the same settings as the default hook of tail DIR --url', () => {
  withDir((_, write) => {
    const file = write('loghook.toml', `[source]\nlog_dirs = ["/logs"]\n[[hook]]\nname = "default"\nurl = "https://h.example/x"\n`);
    const fromFile = loadConfigFile(file, { env: {} }).config.hooks[0];
    const flags = {
      url: 'https://h.example/x', once: false, batchSize: 1, minBatchSize: 1, maxBatchLatency: 1000, maxBatchBytes: 1024 * 1024,
      batchFormat: 'array' as const, concurrency: 8, timeout: 30_000, header: [], retryInterval: 60_000, maxRetryInterval: 1_200_000,
      maxAge: 7 * 86_400_000, includeLogRecord: false, maxQueue: '2GiB', shutdownTimeout: 10_000, maxLineBytes: 16 * 1024 * 1024,
      logLevel: 'info' as const, summaryInterval: 30_000,
    };
    assert.deepEqual(configFromFlags(['/logs'], flags, {}).hooks[0], fromFile);
  });
});

test('an unknown key is named with its line and the nearest known key', () => {
  const p = oneProblem(`${BASE}max_batch_latancy = "1s"\n`);
  assert.equal(p.line, 6);
  assert.equal(p.where, "hook 'events'");
  assert.equal(p.message, "unknown key 'max_batch_latancy' (did you mean max_batch_latency?)");
  assert.match(oneProblem(`${BASE}[sources]\n`).message, /unknown key 'sources' \(did you mean source\?\)/);
  assert.match(oneProblem(`statedir = "/x"\n${BASE}`).message, /unknown key 'statedir' \(did you mean state_dir\?\)/);
});

test('a duration needs a unit in the file; a bad one names the key and the line', () => {
  const bare = oneProblem(`${BASE}timeout = 30\n`);
  assert.equal(bare.line, 6);
  assert.equal(bare.where, "hook 'events': timeout");
  assert.match(bare.message, /30 has no unit: write a duration with one/);
  assert.match(oneProblem(`shutdown_timeout = "soon"\n${BASE}`).message, /"soon" is not a duration/);
  assert.match(oneProblem(`${BASE}max_age = "5y"\n`).message, /unknown unit "y"/);
});

test('a bad size names the key; a bare integer counts bytes', () => {
  const p = oneProblem(`[source]\nlog_dirs = ["/l"]\nmax_line_bytes = "16 parsecs"\n[[hook]]\nname = "e"\nurl = "https://h/"\n`);
  assert.equal(p.line, 3);
  assert.equal(p.where, 'source.max_line_bytes');
  assert.match(p.message, /unknown unit "parsecs"/);
  withDir((_, write) => {
    const file = write('a.toml', `max_queue = 1000000\n${BASE}max_batch_bytes = 2048\n`);
    const c = loadConfigFile(file, { env: {} }).config;
    assert.deepEqual(c.maxQueue, { records: 1_000_000 });
    assert.equal(c.hooks[0]!.maxBatchBytes, 2048);
  });
});

test('a bad URL is named without echoing it; a wrong scheme says which are expected', () => {
  const p = oneProblem(`[source]\nlog_dirs = ["/l"]\n[[hook]]\nname = "e"\nurl = "https://user:hunter2@exa mple.com/"\n`);
  assert.equal(p.line, 5);
  assert.equal(p.where, "hook 'e': url");
  assert.match(p.message, /not a valid URL \(expected e\.g\. https:\/\/host\/path\)/);
  assert.doesNotMatch(p.message, /hunter2/);
  assert.match(oneProblem(`[source]\nlog_dirs = ["/l"]\n[[hook]]\nname = "e"\nurl = "ftp://h/"\n`).message, /must start with http:\/\/ or https:\/\//);
});

test('a bad template says what is wrong: an unclosed brace, an unknown field, a stray brace', () => {
  const head = `[source]\nlog_dirs = ["/l"]\n[[hook]]\nname = "e"\n`;
  const unclosed = oneProblem(`${head}url = "https://h/{tenant/x"\n`);
  assert.equal(unclosed.line, 5);
  assert.match(unclosed.message, /the '\{' at character 11 is never closed/);
  assert.match(oneProblem(`${head}url = "https://h/{tenat}"\n`).message, /unknown field 'tenat' \(did you mean tenant\?\)/);
  assert.match(oneProblem(`${head}url = "https://h/x}"\n`).message, /closes no '\{'/);
  assert.match(oneProblem(`${head}kind = "nats"\nservers = ["h:4222"]\nsubject = "kumo.{meta.}"\n`).message, /'meta\.' needs a key/);
  withDir((_, write) => {
    const file = write('a.toml', `${head}url = "https://h/{meta.region}/{{literal}}"\n`);
    assert.equal((loadConfigFile(file, { env: {} }).config.hooks[0] as HttpHookConfig).url, 'https://h/{meta.region}/{{literal}}');
  });
});

test('a duplicate hook name points at both lines; a bad name says the rule', () => {
  const dup = oneProblem(`${BASE}[[hook]]\nname = "events"\nurl = "https://h.example/y"\n`);
  assert.equal(dup.line, 7);
  assert.match(dup.message, /the name 'events' is already taken by the hook on line 4/);
  const bad = oneProblem(`[source]\nlog_dirs = ["/l"]\n[[hook]]\nname = "Events!"\nurl = "https://h/"\n`);
  assert.equal(bad.line, 4);
  assert.match(bad.message, /"Events!" is not a hook name: use 1-64 of a-z, 0-9, _ and -/);
  assert.match(oneProblem(`[source]\nlog_dirs = ["/l"]\n[[hook]]\nurl = "https://h/"\n`).message, /missing name/);
});

test('a missing environment variable names the key and the variable, never a value', () => {
  const p = oneProblem(`${BASE}headers = { "X-Api-Key" = "\${env:EVENTS_KEY}" }\n`, { OTHER: 'x' });
  assert.equal(p.line, 6);
  assert.equal(p.where, "hook 'events': headers.X-Api-Key");
  assert.equal(p.message, '${env:EVENTS_KEY}: the environment variable EVENTS_KEY is not set');
});

test('${file:} reads a file without its trailing newline; an unreadable one names the key and the file', () => {
  withDir((_, write) => {
    write('token', 'tok-789\n');
    const file = write('a.toml', `${BASE}bearer_token = "\${file:token}"\n`);
    const h = loadConfigFile(file, { env: {} }).config.hooks[0] as HttpHookConfig;
    assert.deepEqual(h.auth, { kind: 'bearer', token: 'tok-789' });
    const bad = write('b.toml', `${BASE}bearer_token = "\${file:/nonexistent/token}"\n`);
    const [p] = problems(() => loadConfigFile(bad, { env: {} }));
    assert.equal(p!.line, 6);
    assert.equal(p!.where, "hook 'events': bearer_token");
    assert.match(p!.message, /\$\{file:\/nonexistent\/token\}: cannot read \/nonexistent\/token: ENOENT/);
  });
});

test('a secret that makes a value invalid is not echoed in the problem', () => {
  const p = oneProblem(`[source]\nlog_dirs = ["/l"]\n[[hook]]\nname = "e"\nurl = "https://h/"\nbatch_size = "\${env:N}"\n`, { N: 'zero-secret-value' });
  assert.equal(p.where, "hook 'e': batch_size");
  assert.doesNotMatch(p.message, /zero-secret-value/);
  assert.match(p.message, /\*\*\*/);
});

test('an unreadable routes file is a problem at the routes key; a bad one names its own file and line', () => {
  withDir((dir, write) => {
    const file = write('a.toml', `${BASE}routes = "nope.toml"\nroute_key = "{tenant}"\n`);
    const [p] = problems(() => loadConfigFile(file, { env: {} }));
    assert.equal(p!.file, file);
    assert.equal(p!.line, 6);
    assert.equal(p!.where, "hook 'events': routes");
    assert.match(p!.message, new RegExp(`routes file ${join(dir, 'nope.toml')}: cannot read it: ENOENT`));
    const routes = write('routes.toml', `[acme]\nurl = "https://acme.example/"\ntypes = ["Delivery"]\n\n[beta]\nurll = "https://b/"\n`);
    const file2 = write('b.toml', `${BASE}routes = "routes.toml"\nroute_key = "{tenant}"\n`);
    const ps = problems(() => loadConfigFile(file2, { env: {} }));
    assert.deepEqual(ps.map((x) => [x.file, x.line, x.where]), [[routes, 5, "route 'beta'"], [routes, 6, "route 'beta'"]]);
    assert.match(ps[0]!.message, /missing url/);
    assert.match(ps[1]!.message, /unknown key 'urll' \(did you mean url\?\)/);
  });
});

test('loadRoutesFile gives route key -> url, headers, types, match', () => {
  withDir((_, write) => {
    const file = write('customers.toml', ROUTES);
    const routes = loadRoutesFile(file, { ACME_KEY: 'acme-456' });
    assert.deepEqual([...routes.keys()], ['acme']);
    assert.deepEqual(routes.get('acme'), {
      url: 'https://acme.example.com/kumo',
      headers: [{ name: 'X-Key', value: 'acme-456' }],
      types: ['Delivery'],
      match: [{ field: 'egress_pool', globs: ['acme-*'] }],
    });
    const ps = problems(() => loadRoutesFile(file, {}));
    assert.equal(ps[0]!.line, 3);
    assert.match(ps[0]!.message, /ACME_KEY is not set/);
  });
});

test('keys are checked per kind: a nats key in an http hook, what nats and amqp require', () => {
  const wrong = oneProblem(`${BASE}subject = "kumo.{type}"\n`);
  assert.equal(wrong.line, 6);
  assert.equal(wrong.message, `key 'subject' is for hooks of kind "nats"; this hook is kind "http"`);
  withDir((_, write) => {
    const file = write('a.toml', `[source]\nlog_dirs = ["/l"]\n[[hook]]\nname = "n"\nkind = "nats"\ntoken = "t"\nuser = "u"\npassword = "p"\n[[hook]]\nname = "a"\nkind = "amqp"\nexchange = "kumo"\nurl = "https://h/"\n`);
    const ps = problems(() => loadConfigFile(file, { env: {} }));
    assert.deepEqual(ps.map((p) => [p.line, p.where, p.message]), [
      [3, "hook 'n'", 'missing servers (e.g. ["nats://127.0.0.1:4222"])'],
      [3, "hook 'n'", 'missing subject (a template such as "kumo.{type}")'],
      [7, "hook 'n': user", 'token and user are exclusive: choose one way to authenticate'],
      [13, "hook 'a': url", 'must start with amqp:// or amqps://, got "https://"'],
    ]);
  });
  const kind = oneProblem(`[source]\nlog_dirs = ["/l"]\n[[hook]]\nname = "x"\nkind = "smtp"\nsubject = "s"\n`);
  assert.deepEqual([kind.line, kind.where], [5, "hook 'x': kind"]);
  assert.match(kind.message, /expected one of "http", "amqp", "nats", got the string "smtp"/);
});

test('nats and amqp hooks resolve to their typed configs', () => {
  withDir((_, write) => {
    const file = write('a.toml', `[source]\nlog_dirs = ["/l"]
[[hook]]\nname = "n"\nkind = "nats"\nservers = ["nats://127.0.0.1:4222", "h2:4222"]\nsubject = "kumo.{type}.{tenant}"\ntoken = "t"
[[hook]]\nname = "a"\nkind = "amqp"\nurl = "amqps://u:p@broker/vhost"\nexchange = "kumo"\nrouting_key = "{type}"\nmandatory = false\n`);
    const [n, a] = loadConfigFile(file, { env: {} }).config.hooks as [NatsHookConfig, AmqpHookConfig];
    assert.deepEqual([n.servers, n.subject, n.auth], [['nats://127.0.0.1:4222', 'h2:4222'], 'kumo.{type}.{tenant}', { kind: 'token', token: 't' }]);
    assert.deepEqual([a.url, a.exchange, a.routingKey, a.mandatory], ['amqps://u:p@broker/vhost', 'kumo', '{type}', false]);
  });
});

test('request keys are typed: rates per second, signing secrets, statuses, body fields', () => {
  withDir((_, write) => {
    const file = write('a.toml', `${BASE}max_message_rate = "6000/min"\nmax_request_rate = "10/h"\nmax_connection_rate = "100/s"
signing_secret = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24="]
signature_header = "X-Signature"\nsignature_format = "sha256=<hex>"\nretry_on = ["404", 409, "5xx"]\nfinal_on = "503"
body = "fields"\nfields = ["type", "recipient"]\nrename = { recipient = "to" }\nmethod = "PUT"\ncompression = "gzip"\n`);
    const h = loadConfigFile(file, { env: {} }).config.hooks[0] as HttpHookConfig;
    assert.equal(h.maxMessageRatePerSecond, 100);
    assert.equal(h.maxRequestRatePerSecond, 10 / 3600);
    assert.equal(h.maxConnectionRatePerSecond, 100);
    assert.deepEqual(h.signing, { secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24='], header: 'X-Signature', format: 'sha256=<hex>' });
    assert.deepEqual(h.retryOn.map((r) => [r.from, r.to]), [[404, 404], [409, 409], [500, 599]]);
    assert.deepEqual(h.finalOn.map((r) => r.text), ['503']);
    assert.deepEqual(h.body, { mode: 'fields', fields: ['type', 'recipient'], rename: { recipient: 'to' }, add: {} });
    assert.deepEqual([h.method, h.compression], ['PUT', 'gzip']);
  });
  assert.match(oneProblem(`${BASE}signing_secret = "not-a-secret"\n`).message, /not of the form whsec_<base64>/);
  assert.doesNotMatch(oneProblem(`${BASE}signing_secret = "not-a-secret"\n`).message, /not-a-secret/);
  assert.match(oneProblem(`${BASE}max_message_rate = 100\n`).message, /expected a rate like "100\/s"/);
  assert.match(oneProblem(`${BASE}fields = ["type"]\n`).message, /fields is only used with body = "fields"/);
  assert.match(oneProblem(`${BASE}retry_on = "2xx"\n`).message, /includes 2xx/);
});

test('start_at takes oldest, end, or a time with a zone (a TOML date-time too)', () => {
  withDir((_, write) => {
    const at = (v: string) => loadConfigFile(write('a.toml', `start_at = ${v}\n${BASE}`), { env: {} }).config.startAt;
    assert.deepEqual(at('"end"'), { kind: 'end' });
    assert.deepEqual(at('2026-11-30T00:00:00Z'), { kind: 'time', atMs: Date.parse('2026-11-30T00:00:00Z') });
    assert.deepEqual(at('"2026-11-30T01:00:00+01:00"'), { kind: 'time', atMs: Date.parse('2026-11-30T00:00:00Z') });
  });
  assert.match(oneProblem(`start_at = 2026-11-30T00:00:00\n${BASE}`).message, /a time with a zone/);
});

test('every problem is reported at once, sorted by line', () => {
  withDir((_, write) => {
    const file = write('a.toml', `max_queue = "lots"
log_level = "loud"
[source]
log_dirs = ["/l"]
poll = 5
[[hook]]
name = "events"
url = "https://h/"
batch_sise = 10
concurrency = 0
[metrics]
listen = "nowhere"
`);
    const err = (() => {
      try {
        loadConfigFile(file, { env: {} });
      } catch (e) {
        return e as ConfigError;
      }
      return assert.fail('no error');
    })();
    assert.ok(err instanceof ConfigError);
    assert.equal(err.exitCode, 2);
    assert.deepEqual(err.problems.map((p) => [p.line, p.where]), [
      [1, 'max_queue'], [2, 'log_level'], [5, 'source.poll'], [9, "hook 'events'"], [10, "hook 'events': concurrency"], [12, 'metrics.listen'],
    ]);
    const lines = err.message.split('\n');
    assert.equal(lines[0], '6 problems in the configuration:');
    assert.equal(lines[4], `  ${file}: line 9: hook 'events': unknown key 'batch_sise' (did you mean batch_size?)`);
  });
});

test('not valid TOML names the line; an unreadable config file is an input error', () => {
  withDir((dir, write) => {
    const file = write('a.toml', 'state_dir = "/x"\nlog_dirs = [\n');
    const [p] = problems(() => loadConfigFile(file, { env: {} }));
    assert.equal(p!.line, 3);
    assert.match(p!.message, /^not valid TOML: /);
    assert.throws(() => loadConfigFile(join(dir, 'missing.toml')), (e: unknown) => e instanceof InputError && /cannot read it: ENOENT/.test(e.message));
    const locked = write('locked.toml', BASE);
    chmodSync(locked, 0o000);
    if (process.getuid?.() !== 0) assert.throws(() => loadConfigFile(locked), (e: unknown) => e instanceof InputError && /EACCES/.test(e.message));
  });
});

test('no [[hook]], or [hook] written as a single table, is a problem', () => {
  assert.match(oneProblem(`[source]\nlog_dirs = ["/l"]\n`).message, /no \[\[hook\]\]: add at least one/);
  assert.match(oneProblem(`[source]\nlog_dirs = ["/l"]\n[hook]\nname = "e"\n`).message, /write \[\[hook\]\] \(double brackets\)/);
  assert.match(oneProblem(`hook = []\n[source]\nlog_dirs = ["/l"]\n`).message, /no \[\[hook\]\]/);
});

test('flags given over the file win for the top-level values; DIR replaces log_dirs', () => {
  withDir((_, write) => {
    const file = write('a.toml', `state_dir = "/from/file"\nlog_level = "warn"\n${BASE}`);
    const c = loadConfigFile(file, { env: {}, overrides: { stateDir: '/from/flag', logDirs: ['/dir/arg'], maxQueue: { records: 5 } } }).config;
    assert.equal(c.stateDir, '/from/flag');
    assert.deepEqual(c.source.logDirs, ['/dir/arg']);
    assert.deepEqual(c.maxQueue, { records: 5 });
    assert.equal(c.logLevel, 'warn');
    // DIR stands in for a missing log_dirs
    const noDirs = write('b.toml', `[[hook]]\nname = "e"\nurl = "https://h/"\n`);
    assert.deepEqual(loadConfigFile(noDirs, { env: {}, overrides: { logDirs: ['/d'] } }).config.source.logDirs, ['/d']);
    assert.match(problems(() => loadConfigFile(noDirs, { env: {} }))[0]!.message, /no log directory/);
  });
});

test('headers are checked as --header is, naming the header and never its value', () => {
  const owned = oneProblem(`${BASE}headers = { "Content-Length" = "value-5e1f" }\n`);
  assert.equal(owned.where, "hook 'events': headers");
  assert.equal(owned.message, 'header "Content-Length": this header is set by the HTTP client and cannot be replaced');
  const computed = oneProblem(`${BASE}headers = { "webhook-id" = "value-5e1f" }\n`);
  assert.match(computed.message, /computed by loghook/);
  const badName = oneProblem(`${BASE}headers = { "Bad Name" = "value-5e1f" }\n`);
  assert.match(badName.message, /not allowed in a header name/);
  for (const p of [owned, computed, badName]) assert.doesNotMatch(p.message, /value-5e1f/);
});
