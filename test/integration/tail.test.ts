// `loghook tail` end to end: real segments, a real receiver on 127.0.0.1, the built binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setup, segment, publishable, records, bodyLines } from './tail-support.js';
import { SegmentWriter } from '../helpers/segment-writer.js';
import { waitFor } from '../helpers/child.js';
import { logLines } from '../helpers/cli.js';
import { Receiver } from '../helpers/receiver.js';

test('tail --once delivers every record once, each body byte-identical to the line kumod wrote, and exits 0', async () => {
  const env = await setup();
  try {
    const lines = publishable(300);
    segment(env, '20260101-000000.000000001', lines);
    const r = await env.tail(['--once']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(env.rx.requests.length, 300);
    // requests run concurrently: compare as sets
    assert.deepEqual(env.rx.requests.map((q) => q.body.toString()).sort(), [...lines].sort());
    for (const q of env.rx.requests) {
      assert.equal(q.headers['content-type'], 'application/json');
      assert.match(String(q.headers['user-agent']), /^loghook\/\d+\.\d+\.\d+/);
      assert.match(String(q.headers['webhook-id']), /^[0-9a-f]{16}-\d+$/);
    }
    assert.equal(new Set(env.rx.requests.map((q) => q.headers['webhook-id'])).size, 300);
  } finally {
    await env.close();
  }
});

test('a second run resumes from the checkpoint: nothing is sent twice, new records are sent', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(50, 1));
    assert.equal((await env.tail(['--once'])).code, 0);
    segment(env, '20260101-000100.000000001', publishable(20, 2));
    assert.equal((await env.tail(['--once'])).code, 0);
    assert.equal(env.rx.requests.length, 70);
    assert.equal(new Set(env.rx.eventIds()).size, 70);
  } finally {
    await env.close();
  }
});

test('--batch-size sends JSON arrays of at most N records, with one id per batch and every record id listed', async () => {
  const env = await setup();
  try {
    const lines = publishable(250);
    segment(env, '20260101-000000.000000001', lines);
    const r = await env.tail(['--once', '--batch-size', '100']);
    assert.equal(r.code, 0, r.stderr);
    const sent = env.rx.requests.flatMap((q) => bodyLines(q.body, q.headers['content-type']));
    assert.deepEqual(sent, lines);
    for (const q of env.rx.requests) {
      const ids = Receiver.eventIdsOf(q);
      assert.ok(ids.length <= 100);
      assert.equal(ids.length, bodyLines(q.body, q.headers['content-type']).length);
      assert.match(String(q.headers['webhook-id']), /^b-[0-9a-f]{32}$/);
      assert.equal(q.headers['idempotency-key'], q.headers['webhook-id']);
      assert.equal(q.body[0], '['.charCodeAt(0));
    }
    assert.equal(env.rx.requests.length, 3);
  } finally {
    await env.close();
  }
});

test('--batch-format ndjson sends the records as kumod wrote them, one per line', async () => {
  const env = await setup();
  try {
    const lines = publishable(40);
    segment(env, '20260101-000000.000000001', lines);
    assert.equal((await env.tail(['--once', '--batch-size', '16', '--batch-format', 'ndjson'])).code, 0);
    assert.equal(env.rx.requests.map((q) => q.body.toString()).join(''), lines.join(''));
    assert.ok(env.rx.requests.every((q) => q.headers['content-type'] === 'application/x-ndjson'));
  } finally {
    await env.close();
  }
});

test('--max-batch-bytes: no request body is larger than the limit', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(300));
    const limit = 20_000;
    assert.equal((await env.tail(['--once', '--batch-size', '100', '--max-batch-bytes', String(limit)])).code, 0);
    assert.ok(env.rx.requests.every((q) => q.body.length <= limit));
    assert.ok(env.rx.requests.some((q) => q.body.length > limit / 2), 'batches fill up to the limit');
    assert.equal(env.rx.eventIds().length, 300);
  } finally {
    await env.close();
  }
});

test('--types publishes only those record types; LogRecord bookkeeping is skipped unless --include-log-record', async () => {
  const env = await setup();
  try {
    const lines = records(2000);
    segment(env, '20260101-000000.000000001', lines);
    const typeOf = (l: string) => (JSON.parse(l) as { type: string }).type;
    const isHook = (l: string) => l.includes('"reception_protocol":"LogRecord"');
    assert.ok(lines.some(isHook));
    assert.equal((await env.tail(['--once', '--batch-size', '100', '--types', 'Bounce,Delivery'])).code, 0);
    const got = env.rx.requests.flatMap((q) => bodyLines(q.body, q.headers['content-type']));
    assert.deepEqual(got.map(typeOf), lines.filter((l) => !isHook(l) && ['Bounce', 'Delivery'].includes(typeOf(l))).map(typeOf));
  } finally {
    await env.close();
  }
  const env2 = await setup();
  try {
    const lines = records(2000);
    segment(env2, '20260101-000000.000000001', lines);
    assert.equal((await env2.tail(['--once', '--batch-size', '100', '--include-log-record'])).code, 0);
    assert.equal(env2.rx.requests.flatMap((q) => bodyLines(q.body, q.headers['content-type'])).length, 2000);
  } finally {
    await env2.close();
  }
});

test('--header, --header-file and LOGHOOK_HEADERS reach the receiver; their values never reach the logs', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(3));
    const file = join(env.state.path, 'headers');
    writeFileSync(file, '# tokens\nX-From-File: file-secret-1\n');
    const r = await env.tail(['--once', '--header', 'X-Tenant: acme', '--header-file', file, '--log-level', 'debug'], { LOGHOOK_HEADERS: 'Authorization: Bearer env-secret-2' });
    assert.equal(r.code, 0, r.stderr);
    for (const q of env.rx.requests) {
      assert.equal(q.headers['x-tenant'], 'acme');
      assert.equal(q.headers['x-from-file'], 'file-secret-1');
      assert.equal(q.headers.authorization, 'Bearer env-secret-2');
    }
    assert.doesNotMatch(r.stderr, /secret/);
  } finally {
    await env.close();
  }
});

test('LOGHOOK_URL and other LOGHOOK_* variables stand in for the options', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(30));
    const r = await env.cli(['tail', env.logs.path, '--state-dir', env.state.path], { LOGHOOK_URL: env.rx.url, LOGHOOK_ONCE: 'true', LOGHOOK_BATCH_SIZE: '10' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(env.rx.requests.length, 3);
  } finally {
    await env.close();
  }
});

test('--once exits 10 when records remain queued for a retry, and they go out on the next run', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(5));
    env.rx.script({ status: 503, body: 'maintenance' });
    const first = await env.tail(['--once', '--batch-size', '10', '--retry-interval', '100ms']);
    assert.equal(first.code, 10, first.stderr);
    const st = JSON.parse((await env.cli(['status', '--json', '--state-dir', env.state.path])).stdout.toString());
    assert.equal(st.queue.records, 5);
    assert.match(st.endpoints[0].lastError, /^503 Service Unavailable: maintenance/);
    await new Promise((r) => setTimeout(r, 150));
    const second = await env.tail(['--once', '--batch-size', '10']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(env.rx.accepted().flatMap((q) => bodyLines(q.body, q.headers['content-type'])).length, 5);
  } finally {
    await env.close();
  }
});

test('--once exits 11 when records went to the dead letters; dead list shows them with their disposition', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(3));
    env.rx.script({ status: 400, body: 'bad record' }, { status: 400, body: 'bad record' }, { status: 400, body: 'bad record' });
    const r = await env.tail(['--once']);
    assert.equal(r.code, 11, r.stderr);
    const list = await env.cli(['dead', 'list', '--json', '--state-dir', env.state.path]);
    const dead = list.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(dead.length, 3);
    assert.equal(dead[0].reason, 'final');
    assert.match(dead[0].disposition, /^400 Bad Request: bad record/);
    assert.equal(JSON.parse(dead[0].record).type !== undefined, true);
  } finally {
    await env.close();
  }
});

test('dead requeue sends dead letters again; dead purge deletes them', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(4));
    env.rx.script(...Array.from({ length: 4 }, () => ({ status: 422 })));
    assert.equal((await env.tail(['--once'])).code, 11);
    const ids = (await env.cli(['dead', 'list', '--json', '--state-dir', env.state.path])).stdout.toString().trim().split('\n').map((l) => JSON.parse(l).id as number);
    const rq = await env.cli(['dead', 'requeue', '--id', String(ids[0]), '--state-dir', env.state.path]);
    assert.match(rq.stdout.toString(), /requeued 1 dead letters/);
    assert.equal((await env.tail(['--once'])).code, 0);
    assert.equal(env.rx.accepted().length, 1);
    const purge = await env.cli(['dead', 'purge', '--all', '--state-dir', env.state.path]);
    assert.match(purge.stdout.toString(), /purged 3 dead letters/);
    const none = await env.cli(['dead', 'purge', '--state-dir', env.state.path]);
    assert.equal(none.code, 2);
  } finally {
    await env.close();
  }
});

test('--retry-on turns a final status into a retry, --final-on a transient one into a final', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(1));
    env.rx.script({ status: 404 });
    assert.equal((await env.tail(['--once', '--retry-on', '404', '--retry-interval', '1ms'])).code, 10);
    await new Promise((r) => setTimeout(r, 10));
    env.rx.script({ status: 503 });
    const r = await env.tail(['--once', '--final-on', '503', '--retry-interval', '1ms']);
    assert.equal(r.code, 11, r.stderr);
  } finally {
    await env.close();
  }
});

test('--max-age: a message that cannot be delivered in time expires into the dead letters', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(2));
    env.rx.script({ status: 500 }, { status: 500 });
    const r = await env.tail(['--once', '--max-age', '50ms', '--retry-interval', '1s']);
    assert.equal(r.code, 11, r.stderr);
    const dead = (await env.cli(['dead', 'list', '--json', '--state-dir', env.state.path])).stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(dead.map((d) => d.reason), ['expired', 'expired']);
  } finally {
    await env.close();
  }
});

test('--retry-interval: a failed record is retried after about that long, then delivered', async () => {
  const env = await setup();
  try {
    const w = SegmentWriter.create(env.logs.path, '20260101-000000.000000001');
    env.rx.script({ status: 502 });
    const t = env.start(['--retry-interval', '400ms', '--max-retry-interval', '1s']);
    w.write(publishable(1)[0]!);
    w.finish();
    await env.rx.waitForRequests(2, 5000);
    const gap = env.rx.requests[1]!.receivedAt - env.rx.requests[0]!.receivedAt;
    assert.ok(gap >= 400 * 0.8 - 10, `retried after ${gap} ms`);
    assert.ok(gap < 2000, `retried after ${gap} ms`);
    assert.equal(env.rx.requests[1]!.headers['webhook-id'], env.rx.requests[0]!.headers['webhook-id']);
    assert.equal(env.rx.requests[1]!.headers['loghook-attempt'], '2');
    t.child.kill('SIGTERM');
    assert.equal((await t.done).code, 0);
  } finally {
    await env.close();
  }
});

test('--concurrency bounds the requests in flight', async () => {
  const env = await setup({ defaultResponse: { status: 200, delayMs: 30 } });
  try {
    segment(env, '20260101-000000.000000001', publishable(60));
    assert.equal((await env.tail(['--once', '--concurrency', '3'])).code, 0);
    assert.equal(env.rx.maxConcurrent, 3);
  } finally {
    await env.close();
  }
});

test('--timeout: a receiver that does not answer in time counts as a transient failure (never reachable: exit 12)', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(1));
    env.rx.script({ hang: true });
    const started = Date.now();
    const r = await env.tail(['--once', '--timeout', '300ms']);
    assert.equal(r.code, 12, r.stderr);
    assert.ok(Date.now() - started < 5000);
    const st = JSON.parse((await env.cli(['status', '--json', '--state-dir', env.state.path])).stdout.toString());
    assert.match(st.endpoints[0].lastError, /timeout/i);
  } finally {
    await env.close();
  }
});

test('the live segment is followed: records reach the receiver as blocks land, and status shows the checkpoint', async () => {
  const env = await setup();
  try {
    const w = SegmentWriter.create(env.logs.path, '20260101-000000.000000001');
    const t = env.start(['--batch-size', '50', '--summary-interval', '200ms']);
    const lines = publishable(1500);
    for (let i = 0; i < 500; i++) w.write(lines[i]!);
    w.flushBlock();
    await waitFor(() => env.rx.eventIds().length === w.linesOnDisk, { what: 'first blocks delivered', timeoutMs: 8000 });
    for (let i = 500; i < 1500; i++) w.write(lines[i]!);
    w.finish();
    await waitFor(() => env.rx.eventIds().length === 1500, { what: 'all delivered', timeoutMs: 8000 });
    const st = JSON.parse((await env.cli(['status', '--json', '--state-dir', env.state.path])).stdout.toString());
    assert.equal(st.running.alive, true);
    assert.equal(st.queue.records, 0);
    t.child.kill('SIGTERM');
    const r = await t.done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(logLines(r.stderr).some((l) => l.msg === 'summary'), 'summary lines while busy');
    const after = JSON.parse((await env.cli(['status', '--json', '--state-dir', env.state.path])).stdout.toString());
    assert.equal(after.running.alive, false);
    assert.equal(after.streams[0].segment, null);
  } finally {
    await env.close();
  }
});

test('SIGTERM waits for requests in flight up to --shutdown-timeout, then exits 0 with the rest queued', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(2));
    env.rx.script({ hang: true }, { hang: true });
    const t = env.start(['--shutdown-timeout', '300ms', '--concurrency', '2']);
    await env.rx.waitForRequests(2, 5000);
    const started = Date.now();
    t.child.kill('SIGTERM');
    const r = await t.done;
    assert.equal(r.code, 0, r.stderr);
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 3000, `stopped after ${took} ms`);
    const st = JSON.parse((await env.cli(['status', '--json', '--state-dir', env.state.path])).stdout.toString());
    assert.equal(st.queue.records, 2);
  } finally {
    await env.close();
  }
});

test('a second process on the same state dir is refused with a clear error (exit 3)', async () => {
  const env = await setup();
  try {
    const first = env.start([]);
    await waitFor(() => first.stderr().includes('following'), { what: 'first tail running' });
    const second = await env.tail(['--once']);
    assert.equal(second.code, 3);
    assert.match(second.stderr, /in use by another loghook process \(pid \d+\)/);
    first.child.kill('SIGTERM');
    assert.equal((await first.done).code, 0);
  } finally {
    await env.close();
  }
});

test('--max-queue: when the queue is full reading pauses with one warning, and nothing is dropped', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(3000));
    env.rx.script(...Array.from({ length: 3 }, () => ({ reset: true })));
    const t = env.start(['--max-queue', '500', '--batch-size', '100', '--retry-interval', '200ms']);
    const r = await waitFor(() => (env.rx.eventIds({ acceptedOnly: true }).length === 3000 ? true : null), { what: 'all delivered', timeoutMs: 20000 });
    assert.ok(r);
    t.child.kill('SIGTERM');
    const done = await t.done;
    const warnings = logLines(done.stderr).filter((l) => /queue full/.test(l.msg));
    assert.equal(warnings.length, 1, done.stderr);
    assert.equal(new Set(env.rx.eventIds({ acceptedOnly: true })).size, 3000);
  } finally {
    await env.close();
  }
});

test('a bad option value is a usage error (exit 2) naming the option', async () => {
  const env = await setup();
  try {
    for (const [args, msg] of [
      [['--batch-size', '0'], /--batch-size: must be at least 1/],
      [['--retry-interval', 'soon'], /--retry-interval: "soon" is not a duration/],
      [['--retry-on', '2xx'], /--retry-on: "2xx" includes 2xx/],
      [['--header', 'NoColon'], /--header "NoColon": has no ":"/],
    ] as const) {
      const r = await env.tail([...args, '--once']);
      assert.equal(r.code, 2, String(args));
      assert.match(r.stderr, msg);
    }
  } finally {
    await env.close();
  }
});

test('--min-batch-size waits for more records, --max-batch-latency bounds the wait', async () => {
  const env = await setup();
  try {
    const w = SegmentWriter.create(env.logs.path, '20260101-000000.000000001');
    const t = env.start(['--batch-size', '50', '--min-batch-size', '20', '--max-batch-latency', '700ms']);
    const lines = publishable(5);
    await waitFor(() => t.stderr().includes('following'), { what: 'tail running' });
    const wroteAt = Date.now();
    for (const l of lines) w.write(l);
    w.flushBlock();
    await env.rx.waitForRequests(1, 5000);
    const q = env.rx.requests[0]!;
    assert.equal(bodyLines(q.body, q.headers['content-type']).length, 5, 'one request with all five');
    assert.ok(q.receivedAt - wroteAt >= 600, `sent after ${q.receivedAt - wroteAt} ms, not before the latency`);
    w.finish();
  } finally {
    await env.close();
  }
});

test('--pattern publishes only the streams whose segment names match', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001_recv', publishable(7, 1));
    segment(env, '20260101-000000.000000001_deliv', publishable(9, 2));
    assert.equal((await env.tail(['--once', '--pattern', '*_deliv'])).code, 0);
    assert.equal(env.rx.requests.length, 9);
  } finally {
    await env.close();
  }
});

test('--log-format text writes readable lines; json writes one object per line', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(1));
    const text = await env.tail(['--once', '--log-format', 'text']);
    assert.match(text.stderr, /^loghook: \d+\.\d+\.\d+: catching up /m);
    assert.doesNotMatch(text.stderr, /^\{/m);
    const json = await env.tail(['--once', '--log-format', 'json']);
    const lines = json.stderr.split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 0, 'it logged something');
    for (const l of lines) {
      const o = JSON.parse(l) as { level?: unknown; msg?: unknown };
      assert.equal(typeof o.level, 'string', l);
      assert.equal(typeof o.msg, 'string', l);
    }
  } finally {
    await env.close();
  }
});

test('a state dir written by a newer loghook is refused (exit 4), untouched', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(1));
    assert.equal((await env.tail(['--once'])).code, 0);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(env.state.path, 'queue.db'));
    db.pragma('user_version = 99');
    db.close();
    const r = await env.tail(['--once']);
    assert.equal(r.code, 4);
    assert.match(r.stderr, /newer loghook/);
  } finally {
    await env.close();
  }
});

test('a second SIGTERM exits at once even while requests hang', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(1));
    env.rx.script({ hang: true });
    const t = env.start(['--shutdown-timeout', '60s']);
    await env.rx.waitForRequests(1, 5000);
    t.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    t.child.kill('SIGTERM');
    const r = await t.done;
    assert.ok(Date.now() - started < 2000);
    assert.equal(r.code, 143);
  } finally {
    await env.close();
  }
});

test('--log-level warn keeps info lines out of the log', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(2));
    const quiet = await env.tail(['--once', '--log-level', 'warn']);
    assert.equal(quiet.code, 0);
    assert.equal(quiet.stderr, '');
    const normal = await env.tail(['--once']);
    assert.ok(logLines(normal.stderr).some((l) => l.level === 'info'));
  } finally {
    await env.close();
  }
});

test('--poll and --max-line-bytes reach the reader: new segments are seen by rescanning, long lines skipped', async () => {
  const env = await setup();
  try {
    const t = env.start(['--poll', '100ms', '--max-line-bytes', '4KiB']);
    await waitFor(() => t.stderr().includes('following'), { what: 'tail running' });
    const lines = publishable(5);
    const long = `{"type":"Delivery","pad":"${'y'.repeat(10_000)}"}\n`;
    segment(env, '20260101-000000.000000001', [lines[0]!, long, ...lines.slice(1)]);
    await waitFor(() => env.rx.requests.length === 5, { what: 'five records by polling' });
    t.child.kill('SIGTERM');
    const r = await t.done;
    assert.ok(logLines(r.stderr).some((l) => /line 2 is .* longer than the limit: skipped/.test(l.msg)));
    assert.deepEqual(env.rx.requests.map((q) => q.body.toString()).sort(), [...lines].sort());
  } finally {
    await env.close();
  }
});

test('--once with a receiver that refuses connections gives up after one probe: exit 12, everything queued', async () => {
  const env = await setup();
  try {
    segment(env, '20260101-000000.000000001', publishable(50));
    const started = Date.now();
    const r = await env.cli(['tail', env.logs.path, '--once', '--url', 'http://127.0.0.1:1/hook', '--state-dir', env.state.path, '--log-format', 'json']);
    assert.equal(r.code, 12, r.stderr);
    assert.ok(Date.now() - started < 10_000, 'it does not wait for the receiver');
    assert.ok(logLines(r.stderr).some((l) => /receiver unavailable, backing off/.test(l.msg)));
    const st = JSON.parse((await env.cli(['status', '--json', '--state-dir', env.state.path])).stdout.toString());
    assert.equal(st.queue.records, 50);
    assert.match(st.endpoints[0].lastError, /ECONNREFUSED/);
  } finally {
    await env.close();
  }
});

test('a receiver that answers 404 to everything (a wrong --url) does not move the stream to the dead letters', async () => {
  const env = await setup({ defaultResponse: { status: 404, body: 'no such hook' } });
  try {
    segment(env, '20260101-000000.000000001', publishable(60));
    const r = await env.tail(['--once', '--concurrency', '1']);
    assert.ok(logLines(r.stderr).some((l) => l.level === 'error' && /every request is answered 404: is the url/.test(l.msg)), r.stderr);
    const st = JSON.parse((await env.cli(['status', '--json', '--state-dir', env.state.path])).stdout.toString());
    assert.ok(st.queue.deadCount <= 10, `${st.queue.deadCount} dead letters`);
    assert.equal(st.queue.records + st.queue.deadCount, 60, 'nothing lost');
    assert.ok(st.queue.records >= 50);
  } finally {
    await env.close();
  }
  const env2 = await setup({ defaultResponse: { status: 404 } });
  try {
    segment(env2, '20260101-000000.000000001', publishable(30));
    const r = await env2.tail(['--once', '--concurrency', '1', '--final-on', '404']);
    assert.equal(r.code, 11, 'an explicit --final-on 404 is taken at its word');
    const st = JSON.parse((await env2.cli(['status', '--json', '--state-dir', env2.state.path])).stdout.toString());
    assert.equal(st.queue.deadCount, 30);
  } finally {
    await env2.close();
  }
});
