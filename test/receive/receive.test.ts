// `loghook receive` as a user runs it: a real child process on 127.0.0.1, real HTTP requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fixturePath } from '../helpers/fixtures.js';
import { runCli } from '../helpers/cli.js';
import { jsonLines, post, startReceive } from './support.js';

// The docs' example records (Reception, Delivery, Reception, Reception), as kumod writes them.
const LINES = readFileSync(fixturePath('segments-expected', '20230809-153944.expected.jsonl'), 'utf8').split(/(?<=\n)/).filter(Boolean);
const RECIPIENTS = ['test@example.com', 'user@recipient.example.com', 'mmiihhww09@gmail.com', 'wez@example.com.org'];
const IDS = ['0123456789abcdef-0', '0123456789abcdef-1', '0123456789abcdef-2', '0123456789abcdef-3'];

test('receive prints the URL it listens on first, on 127.0.0.1 by default', async () => {
  const rx = await startReceive(['--format', 'json']);
  const r = await rx.stop();
  assert.match(rx.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.notEqual(rx.url, 'http://127.0.0.1:0/');
  assert.deepEqual(JSON.parse(r.stdout.toString().split('\n')[0]!), { listening: rx.url });
  assert.equal(r.code, 0, r.stderr);
});

test('a single record is printed with its type, recipient and event id (webhook-id) and answered 200', async () => {
  const rx = await startReceive(['--format', 'json']);
  const a = await post(rx.url, LINES[1]!, { 'webhook-id': IDS[1]!, 'webhook-timestamp': '1700000000', 'loghook-attempt': '2' });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 200);
  assert.equal(out.length, 1);
  const l = out[0]!;
  assert.equal(l.shape, 'single');
  assert.equal(l.type, 'Delivery');
  assert.equal(l.recipient, 'user@recipient.example.com');
  assert.equal(l.event_id, IDS[1]);
  assert.equal(l.status, 200);
  assert.equal(l.signature, 'unchecked');
  assert.deepEqual(l.record, JSON.parse(LINES[1]!));
  assert.equal(l.headers['webhook-timestamp'], '1700000000');
  assert.equal(l.headers['loghook-attempt'], '2');
});

test('a JSON array batch prints one line per record, ids from Loghook-Event-Ids in body order', async () => {
  const rx = await startReceive(['--format', 'json']);
  const a = await post(rx.url, `[${LINES.map((l) => l.trimEnd()).join(',')}]`, { 'webhook-id': 'b-batch', 'loghook-event-ids': IDS.join(',') });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 200);
  assert.deepEqual(out.map((l) => [l.shape, l.batch_id, l.index, l.type, l.recipient, l.event_id]), [
    ['array', 'b-batch', 0, 'Reception', RECIPIENTS[0], IDS[0]],
    ['array', 'b-batch', 1, 'Delivery', RECIPIENTS[1], IDS[1]],
    ['array', 'b-batch', 2, 'Reception', RECIPIENTS[2], IDS[2]],
    ['array', 'b-batch', 3, 'Reception', RECIPIENTS[3], IDS[3]],
  ]);
});

test('an NDJSON batch is read one record per line', async () => {
  const rx = await startReceive(['--format', 'json']);
  const a = await post(rx.url, LINES.join(''), { 'content-type': 'application/x-ndjson', 'loghook-event-ids': IDS.join(',') });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 200);
  assert.deepEqual(out.map((l) => l.shape), ['ndjson', 'ndjson', 'ndjson', 'ndjson']);
  assert.deepEqual(out.map((l) => l.recipient), RECIPIENTS);
  assert.deepEqual(out.map((l) => l.event_id), IDS);
});

test('an envelope body gives its batch_id and each event its own id and record', async () => {
  const rx = await startReceive(['--format', 'json']);
  const body = JSON.stringify({ batch_id: 'b-envelope', events: LINES.map((l, i) => ({ id: IDS[i], record: JSON.parse(l) })) });
  const a = await post(rx.url, body);
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 200);
  assert.deepEqual(out.map((l) => [l.shape, l.batch_id, l.event_id, l.type]), LINES.map((_, i) => ['envelope', 'b-envelope', IDS[i], i === 1 ? 'Delivery' : 'Reception']));
  assert.deepEqual(out[3]!.record, JSON.parse(LINES[3]!));
});

test('a gzip body (Content-Encoding: gzip) is decompressed', async () => {
  const rx = await startReceive(['--format', 'json']);
  const raw = Buffer.from(`[${LINES.map((l) => l.trimEnd()).join(',')}]`);
  const gz = gzipSync(raw);
  const a = await post(rx.url, gz, { 'content-encoding': 'gzip' });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 200);
  assert.deepEqual(out.map((l) => l.recipient), RECIPIENTS);
  assert.equal(out[0]!.bytes, gz.length);
  assert.equal(out[0]!.decoded_bytes, raw.length);
  assert.equal(out[0]!.headers['content-encoding'], 'gzip');
});

test('a zstd body (Content-Encoding: zstd, made by the zstd command) is decompressed', async () => {
  const raw = Buffer.from(LINES.join(''));
  const z = spawnSync('zstd', ['-q', '-c', '-3'], { input: raw });
  assert.equal(z.status, 0, String(z.stderr));
  const rx = await startReceive(['--format', 'json']);
  const a = await post(rx.url, z.stdout, { 'content-encoding': 'zstd', 'content-type': 'application/x-ndjson' });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 200);
  assert.deepEqual(out.map((l) => l.recipient), RECIPIENTS);
  assert.equal(out[0]!.decoded_bytes, raw.length);
});

test('a zstd body cut short is answered 400 and printed as unreadable', async () => {
  const z = spawnSync('zstd', ['-q', '-c'], { input: Buffer.from(LINES.join('').repeat(20)) });
  const rx = await startReceive(['--format', 'json']);
  const a = await post(rx.url, z.stdout.subarray(0, z.stdout.length - 10), { 'content-encoding': 'zstd' });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 400);
  assert.equal(out.length, 1);
  assert.match(String(out[0]!.error), /zstd/);
});

test('an unknown Content-Encoding is answered 415', async () => {
  const rx = await startReceive(['--format', 'json']);
  const a = await post(rx.url, 'xxxx', { 'content-encoding': 'compress' });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 415);
  assert.match(String(out[0]!.error), /compress is not supported/);
});

test('a body that is not JSON is answered 400 with the line named', async () => {
  const rx = await startReceive(['--format', 'json']);
  const a = await post(rx.url, `${LINES[0]}not json\n`);
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 400);
  assert.match(String(out[0]!.error), /line 2 of the body is not JSON/);
});

test('--status 503 answers every request 503', async () => {
  const rx = await startReceive(['--format', 'json', '--status', '503']);
  const answers = [await post(rx.url, LINES[0]!), await post(rx.url, LINES[1]!), await post(rx.url, LINES[2]!)];
  const out = jsonLines(await rx.stop());
  assert.deepEqual(answers.map((a) => a.status), [503, 503, 503]);
  assert.deepEqual(out.map((l) => l.status), [503, 503, 503]);
});

test('--fail-first 2 answers --status to the first two requests, then 200', async () => {
  const rx = await startReceive(['--format', 'json', '--status', '503', '--fail-first', '2']);
  const answers = [await post(rx.url, LINES[0]!), await post(rx.url, LINES[1]!), await post(rx.url, LINES[2]!)];
  await rx.stop();
  assert.deepEqual(answers.map((a) => a.status), [503, 503, 200]);
});

test('--count 2 exits 0 by itself after answering two requests', async () => {
  const rx = await startReceive(['--format', 'json', '--count', '2']);
  await post(rx.url, LINES[0]!);
  await post(rx.url, LINES[1]!);
  const r = await rx.cli.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(jsonLines(r).length, 2);
});

test('--format text prints a summary line per request and a line per record', async () => {
  const rx = await startReceive(['--format', 'text']);
  await post(rx.url, `[${LINES.map((l) => l.trimEnd()).join(',')}]`, { 'webhook-id': 'b-batch', 'loghook-event-ids': IDS.join(','), 'loghook-attempt': '1' });
  const r = await rx.stop();
  const lines = r.stdout.toString().split('\n').filter(Boolean);
  assert.equal(lines[0], rx.url);
  assert.match(lines[1]!, /^#1 POST \/ {2}4 records \(array, [\d.]+\w*B\) {2}batch b-batch {2}attempt 1 {2}answered 200$/);
  assert.equal(lines.length, 6);
  for (let i = 0; i < 4; i++) {
    const cols = lines[2 + i]!.trim().split(/\s+/);
    assert.deepEqual(cols, [i === 1 ? 'Delivery' : 'Reception', RECIPIENTS[i], IDS[i]]);
  }
});

test('an Authorization header is shown redacted, never its value', async () => {
  const rx = await startReceive(['--format', 'json']);
  await post(rx.url, LINES[0]!, { authorization: 'Bearer sup3r-s3cret' });
  const r = await rx.stop();
  assert.equal(jsonLines(r)[0]!.headers.authorization, '(redacted)');
  assert.ok(!r.stdout.toString().includes('sup3r-s3cret'));
});

test('receive --secret VALUE is refused with exit 2, and the message does not repeat the value', async () => {
  const r = await runCli(['receive', '--port', '0', '--secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /secrets never go on the command line.*LOGHOOK_RECEIVE_SECRET.*--secret-file/);
  assert.ok(!r.stderr.includes('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'));
  assert.equal(r.stdout.length, 0);
});

test('--status outside 200-599 is a usage error naming the option', async () => {
  const r = await runCli(['receive', '--port', '0', '--status', '99']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--status: "99"/);
});

test('a port in use is a usage error that says what to do', async () => {
  const rx = await startReceive(['--format', 'json']);
  try {
    const port = new URL(rx.url).port;
    const r = await runCli(['receive', '--port', port]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use; choose another --port`));
  } finally {
    await rx.stop();
  }
});

test('a zstd body decodes with the pure JavaScript fallback too (LOGHOOK_ZSTD=fzstd)', async () => {
  const z = spawnSync('zstd', ['-q', '-c'], { input: Buffer.from(LINES.join('')) });
  const rx = await startReceive(['--format', 'json'], { LOGHOOK_ZSTD: 'fzstd' });
  const a = await post(rx.url, z.stdout, { 'content-encoding': 'zstd' });
  const out = jsonLines(await rx.stop());
  assert.equal(a.status, 200);
  assert.deepEqual(out.map((l) => l.recipient), RECIPIENTS);
});
