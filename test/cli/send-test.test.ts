// `loghook send-test` against real receivers on 127.0.0.1: the built binary in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { runCli } from '../helpers/cli.js';
import { Receiver } from '../helpers/receiver.js';
import { makeTempDir } from '../helpers/tmp.js';
import { makePki } from '../sinks/http/certs.js';

function configDir(hooks: string) {
  const root = makeTempDir('loghook-sendtest-');
  mkdirSync(join(root.path, 'logs'));
  const file = join(root.path, 'loghook.toml');
  writeFileSync(file, `state_dir = "state"\n[source]\nlog_dirs = ["logs"]\n${hooks}`);
  return { root, file, state: join(root.path, 'state') };
}

test('send-test sends one signed sample record through the hook of a config file; the signature verifies and nothing is queued', async () => {
  const rx = await Receiver.start({ defaultResponse: { status: 202, headers: { 'content-type': 'text/plain', 'x-request-id': 'abc-1' }, body: 'taken' } });
  const key = 'whsec_' + randomBytes(32).toString('base64');
  const c = configDir(`[[hook]]\nname = "events"\nurl = "${rx.url}"\nsigning_secret = "\${env:SIGNING}"\nheaders = { "X-Api-Key" = "k-9" }\n`);
  try {
    const r = await runCli(['send-test', '--config', c.file], { SIGNING: key });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(rx.requests.length, 1);
    const q = rx.requests[0]!;
    const record = new Webhook(key).verify(q.body.toString(), q.headers as Record<string, string>) as { type: string; meta: Record<string, string> };
    assert.equal(record.type, 'Delivery');
    assert.deepEqual(record.meta, { loghook_test: 'send-test' });
    assert.match(String(q.headers['webhook-id']), /^loghook-test-[0-9a-f]{8}-1$/);
    assert.equal(q.headers['x-api-key'], 'k-9', 'the hook\'s headers');
    const out = r.stdout.toString();
    assert.match(out, /^hook {6}events -> http:\/\/127\.0\.0\.1:\d+\/hook$/m);
    assert.match(out, /^answer {4}202 Accepted in \d+ ms$/m);
    assert.match(out, /^ {2}x-request-id: abc-1$/m);
    assert.match(out, /^result {4}delivered$/m);
    assert.ok(out.includes(String(q.headers['webhook-id'])), 'it prints the event id it sent');
    assert.equal(existsSync(c.state), false, 'no state dir is made');
  } finally {
    await rx.close();
    c.root.cleanup();
  }
});

test('send-test --hook NAME sends only to that hook; an unknown name is a usage error', async () => {
  const a = await Receiver.start();
  const b = await Receiver.start();
  const c = configDir(`[[hook]]\nname = "a"\nurl = "${a.url}"\n[[hook]]\nname = "b"\nurl = "${b.url}"\n`);
  try {
    assert.equal((await runCli(['send-test', '--config', c.file, '--hook', 'b'])).code, 0);
    assert.equal(a.requests.length, 0);
    assert.equal(b.requests.length, 1);
    const bad = await runCli(['send-test', '--config', c.file, '--hook', 'nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--hook nope: no such hook .* \(hooks: a, b\)/);
    assert.equal((await runCli(['send-test', '--config', c.file])).code, 0, 'without --hook: each hook');
    assert.equal(a.requests.length + b.requests.length, 3);
  } finally {
    await a.close();
    await b.close();
    c.root.cleanup();
  }
});

test('send-test DIR --url: a 404 prints the status and body excerpt and exits 13', async () => {
  const rx = await Receiver.start({ defaultResponse: { status: 404, body: 'no such\nhook here' } });
  const logs = makeTempDir('loghook-logs-');
  try {
    const r = await runCli(['send-test', logs.path, '--url', rx.url]);
    assert.equal(r.code, 13, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /^answer {4}404 Not Found in \d+ ms$/m);
    assert.match(out, /^body {6}no such hook here$/m);
    assert.match(out, /^result {4}not delivered: 404 Not Found: no such hook here$/m);
  } finally {
    await rx.close();
    logs.cleanup();
  }
});

test('send-test exits 12 when nothing answers (a closed port), 1 for a 500', async () => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const logs = makeTempDir('loghook-logs-');
  const rx = await Receiver.start({ defaultResponse: { status: 500, body: 'boom' } });
  try {
    const r = await runCli(['send-test', logs.path, '--url', `http://127.0.0.1:${port}/hook`]);
    assert.equal(r.code, 12, r.stderr);
    assert.match(r.stdout.toString(), /^answer {4}none after \d+ ms: ECONNREFUSED/m);
    assert.equal((await runCli(['send-test', logs.path, '--url', rx.url])).code, 1);
  } finally {
    await rx.close();
    logs.cleanup();
  }
});

test('send-test exits 13 for an HTTPS receiver with a certificate from an unknown CA, and 0 once ca_file names that CA', async () => {
  const pki = makePki();
  const rx = await Receiver.start({ tls: { cert: pki.untrustedServer.cert, key: pki.untrustedServer.key } });
  const c = configDir(`[[hook]]\nname = "tls"\nurl = "${rx.url}"\n`);
  const trusted = configDir(`[[hook]]\nname = "tls"\nurl = "${rx.url}"\nca_file = "${pki.otherCaFile}"\n`);
  try {
    const r = await runCli(['send-test', '--config', c.file]);
    assert.equal(r.code, 13, r.stderr);
    assert.match(r.stdout.toString(), /^result {4}not delivered: .*certificate/im);
    assert.equal(rx.requests.length, 0);
    const ok = await runCli(['send-test', '--config', trusted.file]);
    assert.equal(ok.code, 0, ok.stdout.toString() + ok.stderr);
    assert.equal(rx.requests.length, 1);
  } finally {
    await rx.close();
    c.root.cleanup();
    trusted.root.cleanup();
    pki.cleanup();
  }
});
