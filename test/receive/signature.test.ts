// Standard Webhooks signatures checked by `loghook receive`: signed with standardwebhooks' own
// sign(), sent as a sender would, verified by the child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Webhook } from 'standardwebhooks';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { jsonLines, post, startReceive } from './support.js';

const SECRET = 'whsec_' + randomBytes(24).toString('base64');
const OTHER = 'whsec_' + randomBytes(24).toString('base64');
const BODY = '{"type":"Delivery","recipient":"user@recipient.example.com","id":"1d98076abbbc11ed940250ebf67f93bd"}\n';

function signed(secret: string, body: string | Buffer, id = 'abcdef0123456789-7', at = new Date()): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, typeof body === 'string' ? body : body.toString()),
  };
}

test('a request signed with the secret (LOGHOOK_RECEIVE_SECRET) verifies: OK and the --status answer', async () => {
  const rx = await startReceive(['--format', 'json'], { LOGHOOK_RECEIVE_SECRET: SECRET });
  const a = await post(rx.url, BODY, signed(SECRET, BODY));
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 200);
  assert.equal(out[0]!.signature, 'ok');
  assert.equal(out[0]!.event_id, 'abcdef0123456789-7');
});

test('a signature made with another secret fails: FAILED, answered 401', async () => {
  const rx = await startReceive(['--format', 'json'], { LOGHOOK_RECEIVE_SECRET: SECRET });
  const a = await post(rx.url, BODY, signed(OTHER, BODY));
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 401);
  assert.match(a.body, /signature verification failed/);
  assert.equal(out[0]!.signature, 'failed');
  assert.equal(out[0]!.status, 401);
  assert.match(String(out[0]!.signature_error), /No matching signature/);
});

test('a body changed after signing fails', async () => {
  const rx = await startReceive(['--format', 'json'], { LOGHOOK_RECEIVE_SECRET: SECRET });
  const a = await post(rx.url, BODY.replace('Delivery', 'Bounce'), signed(SECRET, BODY));
  await rx.stop();
  assert.equal(a.status, 401);
});

test('one good signature among several space-separated ones verifies (secret rotation)', async () => {
  const rx = await startReceive(['--format', 'json'], { LOGHOOK_RECEIVE_SECRET: SECRET });
  const good = signed(SECRET, BODY);
  const bad = signed(OTHER, BODY)['webhook-signature'];
  const a = await post(rx.url, BODY, { ...good, 'webhook-signature': `${bad} ${good['webhook-signature']}` });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 200);
  assert.equal(out[0]!.signature, 'ok');
});

test('with a secret, a request without the signature headers fails with 401 naming the missing header', async () => {
  const rx = await startReceive(['--format', 'json'], { LOGHOOK_RECEIVE_SECRET: SECRET });
  const a = await post(rx.url, BODY, { 'webhook-id': 'x-1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 401);
  assert.equal(out[0]!.signature_error, 'no webhook-signature header');
});

test('a timestamp older than five minutes fails (replayed request)', async () => {
  const rx = await startReceive(['--format', 'json'], { LOGHOOK_RECEIVE_SECRET: SECRET });
  const a = await post(rx.url, BODY, signed(SECRET, BODY, 'x-2', new Date(Date.now() - 10 * 60_000)));
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 401);
  assert.match(String(out[0]!.signature_error), /too old/);
});

test('a signature over the uncompressed body of a gzip request verifies', async () => {
  const rx = await startReceive(['--format', 'json'], { LOGHOOK_RECEIVE_SECRET: SECRET });
  const a = await post(rx.url, gzipSync(BODY), { ...signed(SECRET, BODY), 'content-encoding': 'gzip' });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 200);
  assert.equal(out[0]!.signature, 'ok');
});

test('a failed signature wins over --status: 401, not 503', async () => {
  const rx = await startReceive(['--format', 'json', '--status', '503'], { LOGHOOK_RECEIVE_SECRET: SECRET });
  const bad = await post(rx.url, BODY, signed(OTHER, BODY));
  const good = await post(rx.url, BODY, signed(SECRET, BODY));
  await rx.stop();
  assert.deepEqual([bad.status, good.status], [401, 503]);
});

test('--format text says signature OK or FAILED per request', async () => {
  const rx = await startReceive(['--format', 'text'], { LOGHOOK_RECEIVE_SECRET: SECRET });
  await post(rx.url, BODY, signed(SECRET, BODY));
  await post(rx.url, BODY, signed(OTHER, BODY));
  const lines = (await rx.stop()).stdout.toString().split('\n').filter((l) => l.startsWith('#'));
  assert.match(lines[0]!, /^#1 .* signature OK {2}answered 200$/);
  assert.match(lines[1]!, /^#2 .* signature FAILED: No matching signature found {2}answered 401$/);
});

test('--secret-file reads the secret from a file and wins over the environment', async () => {
  const dir = makeTempDir();
  try {
    const file = join(dir.path, 'secret');
    writeFileSync(file, SECRET + '\n');
    chmodSync(file, 0o600);
    const rx = await startReceive(['--format', 'json', '--secret-file', file], { LOGHOOK_RECEIVE_SECRET: OTHER });
    const a = await post(rx.url, BODY, signed(SECRET, BODY));
    await rx.stop();
    assert.equal(a.status, 200);
  } finally {
    dir.cleanup();
  }
});

test('a secret that is not whsec_ base64 is a usage error naming its source, not its value', async () => {
  const r = await runCli(['receive', '--port', '0'], { LOGHOOK_RECEIVE_SECRET: 'whsec_not*base64*at*all' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /LOGHOOK_RECEIVE_SECRET: not a Standard Webhooks secret/);
  assert.ok(!r.stderr.includes('not*base64'));
});

test('a missing --secret-file is an input error naming the file', async () => {
  const r = await runCli(['receive', '--port', '0', '--secret-file', '/nonexistent/loghook.secret']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /--secret-file \/nonexistent\/loghook\.secret: cannot read it/);
});
