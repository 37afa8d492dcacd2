// Signatures, checked the way receivers check them: every Standard Webhooks signature is
// verified with the official `standardwebhooks` package, on bodies a real receiver took and
// decompressed (gzip with node:zlib, zstd with the pure JavaScript decoder, not the native
// library that compressed it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { createSigner } from '../../../src/sinks/http/signing.js';
import { UsageError } from '../../../src/util/errors.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import type { ReceivedRequest } from '../../helpers/receiver.js';
import { plainBody, record, requestOf, rowsOf, withSink } from './support.js';

const secret = () => 'whsec_' + randomBytes(32).toString('base64');
/** standardwebhooks refuses timestamps five minutes away from the real time */
const now = () => new ManualClock(Date.now());

function verify(key: string, r: ReceivedRequest): unknown {
  return new Webhook(key).verify(plainBody(r), r.headers as Record<string, string>);
}

test('a single record carries a webhook-signature that standardwebhooks verifies', async () => {
  const key = secret();
  await withSink({ signingSecrets: [key], clock: now() }, async ({ rx, sink }) => {
    const [row] = rowsOf([1]);
    assert.equal((await sink.send(requestOf([row!]))).verdict, 'delivered');
    const r = rx.requests[0]!;
    assert.match(String(r.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(verify(key, r), record(0));
  });
});

test('a batch spanning rows is signed over its whole body', async () => {
  const key = secret();
  await withSink({ signingSecrets: [key], clock: now() }, async ({ rx, sink }) => {
    await sink.send(requestOf(rowsOf([3, 2])));
    assert.deepEqual(verify(key, rx.requests[0]!), [0, 1, 2, 3, 4].map((i) => record(i)));
  });
});

for (const compression of ['gzip', 'zstd'] as const) {
  test(`a ${compression} body says Content-Encoding: ${compression}, is smaller, and its signature verifies once decompressed`, async () => {
    const key = secret();
    await withSink({ signingSecrets: [key], compression, clock: now() }, async ({ rx, sink }) => {
      const rows = rowsOf([100], { pad: 200 });
      await sink.send(requestOf(rows));
      const r = rx.requests[0]!;
      assert.equal(r.headers['content-encoding'], compression);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.ok(r.body.length < rows[0]!.body.length / 4, `${r.body.length} bytes sent for ${rows[0]!.body.length}`);
      assert.equal((verify(key, r) as unknown[]).length, 100);
    });
  });
}

test('ndjson batches compress and verify too', async () => {
  const key = secret();
  await withSink({ signingSecrets: [key], compression: 'gzip', clock: now() }, async ({ rx, sink }) => {
    await sink.send(requestOf(rowsOf([4]), { format: 'ndjson' }));
    const r = rx.requests[0]!;
    assert.equal(r.headers['content-type'], 'application/x-ndjson');
    const text = plainBody(r).toString();
    new Webhook(key).verify(text, r.headers as Record<string, string>, { jsonParse: false });
    assert.equal(text.split('\n').filter(Boolean).length, 4);
  });
});

test('several secrets (a rotation) give one signature each; a receiver with either verifies', async () => {
  const [next, current] = [secret(), secret()];
  await withSink({ signingSecrets: [next, current], compression: 'gzip', clock: now() }, async ({ rx, sink }) => {
    await sink.send(requestOf(rowsOf([5])));
    const r = rx.requests[0]!;
    assert.equal(String(r.headers['webhook-signature']).split(' ').length, 2);
    assert.equal((verify(next, r) as unknown[]).length, 5);
    assert.equal((verify(current, r) as unknown[]).length, 5);
  });
});

test('a receiver with the wrong secret fails verification', async () => {
  await withSink({ signingSecrets: [secret(), secret()], clock: now() }, async ({ rx, sink }) => {
    await sink.send(requestOf(rowsOf([2])));
    assert.throws(() => verify(secret(), rx.requests[0]!), WebhookVerificationError);
  });
});

test('the signature covers the timestamp: a retry is signed again at its own time', async () => {
  const key = secret();
  const clock = now();
  await withSink({ signingSecrets: [key], clock }, async ({ rx, sink }) => {
    const req = requestOf(rowsOf([2]));
    await sink.send(req);
    clock.advance(61_000);
    await sink.send({ ...req, attempt: 2 });
    const [a, b] = rx.requests;
    assert.notEqual(a!.headers['webhook-timestamp'], b!.headers['webhook-timestamp']);
    assert.notEqual(a!.headers['webhook-signature'], b!.headers['webhook-signature']);
    verify(key, a!);
    verify(key, b!);
    const swapped = { ...b!, headers: { ...b!.headers, 'webhook-signature': a!.headers['webhook-signature'] } };
    assert.throws(() => verify(key, swapped), WebhookVerificationError);
  });
});

test('no secret: no signature header', () =>
  withSink({}, async ({ rx, sink }) => {
    await sink.send(requestOf(rowsOf([1])));
    assert.equal(rx.requests[0]!.headers['webhook-signature'], undefined);
  }));

const formats: [string, (mac: Buffer) => string][] = [
  ['sha256=<hex>', (m) => 'sha256=' + m.toString('hex')],
  ['<base64>', (m) => m.toString('base64')],
  ['sha256=<base64>', (m) => 'sha256=' + m.toString('base64')],
  ['v0=<base64url>;', (m) => `v0=${m.toString('base64url')};`],
];
for (const [format, expected] of formats) {
  test(`signature_header with signature_format "${format}": an HMAC-SHA256 of the body alone`, async () => {
    await withSink({ signingSecrets: ['It\'s a Secret to Everybody'], signatureHeader: 'X-Signature-256', signatureFormat: format, compression: 'gzip' }, async ({ rx, sink }) => {
      await sink.send(requestOf(rowsOf([3])));
      const r = rx.requests[0]!;
      const mac = createHmac('sha256', 'It\'s a Secret to Everybody').update(plainBody(r)).digest();
      assert.equal(r.headers['x-signature-256'], expected(mac));
      assert.equal(r.headers['webhook-signature'], undefined, 'one signature scheme at a time');
    });
  });
}

test('GitHub\'s own example: X-Hub-Signature-256 of "Hello, World!"', () => {
  // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
  const s = createSigner({ signingSecrets: ["It's a Secret to Everybody"], signatureHeader: 'X-Hub-Signature-256' })!;
  assert.equal(s.header, 'x-hub-signature-256');
  assert.equal(s.sign('id', '0', Buffer.from('Hello, World!')), 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
});

test('bad signing settings fail at start and never echo the secret', () => {
  const cases: [object, RegExp][] = [
    [{ signingSecrets: ['hunter2-hunter2'] }, /signing_secret must look like whsec_<base64>/],
    [{ signingSecrets: [secret(), 'whsec_hunter2-hunter2!'] }, /signing_secret\[1\]: the part after whsec_ is not base64/],
    [{ signingSecrets: ['whsec_' + Buffer.from('short').toString('base64')] }, /too short/],
    [{ signingSecrets: ['hunter2'], signatureHeader: 'X-Sig', signatureFormat: 'sha256=' }, /exactly one of <hex>, <base64>, <base64url>/],
    [{ signingSecrets: ['hunter2'], signatureHeader: 'X-Sig', signatureFormat: '<hex><hex>' }, /exactly one/],
    [{ signingSecrets: ['hunter2'], signatureHeader: 'Bad Header' }, /not a valid header name/],
    [{ signingSecrets: ['hunter2'], signatureHeader: 'Loghook-Attempt' }, /already sets/],
    [{ signatureHeader: 'X-Sig' }, /need signing_secret/],
    [{ signingSecrets: [secret()], signatureFormat: '<hex>' }, /signature_format needs signature_header/],
  ];
  for (const [o, re] of cases) {
    assert.throws(() => createSigner(o), (e: unknown) => e instanceof UsageError && re.test(e.message) && !e.message.includes('hunter2'), JSON.stringify(o));
  }
});

test('compression = "zstd" without the native addon is refused at start with a clear message', () => {
  const sinkJs = fileURLToPath(new URL('../../../src/sinks/http/sink.js', import.meta.url));
  const script = `import('${sinkJs}').then(({ HttpSink }) => {
    try { new HttpSink({ url: 'http://127.0.0.1:1/', version: '1', connections: 1, timeoutMs: 1000, logger: console, compression: 'zstd' }); console.log('accepted'); }
    catch (e) { console.log(e.name + ': ' + e.message); }
  })`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, LOGHOOK_ZSTD: 'fzstd' } }).toString();
  assert.match(out, /^UsageError: compression = "zstd" needs the native zstd-napi addon.*use compression = "gzip"/);
});

test('a receiver that cannot decode the body (415) is an endpoint-level answer, guarded like a wrong url', () =>
  withSink({ compression: 'gzip', receiver: { defaultResponse: { status: 415, body: 'unsupported content-encoding' } } }, async ({ sink }) => {
    const out = await sink.send(requestOf(rowsOf([1])));
    assert.equal(out.verdict, 'final');
    assert.equal(out.endpointLevel, 415);
  }));


