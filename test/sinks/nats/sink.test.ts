// The NATS JetStream sink against a private nats-server: what lands in the stream, and the
// outcome of each answer (policy.ts's table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NatsServer } from '../../helpers/nats.js';
import { forTestFile } from '../../helpers/broker-server.js';
import { downThenUp } from '../../helpers/broker-checks.js';
import { kumoRecord, requestOf, rowOf } from '../../helpers/sink-requests.js';
import { captureLogger, type LogLine } from '../../deliver/harness.js';
import { NatsSink } from '../../../src/sinks/nats/sink.js';
import type { NatsSinkOptions } from '../../../src/sinks/nats/config.js';
import { batchId } from '../../../src/hook/event-id.js';
import { keyTemplate } from '../../../src/pipeline/hooks.js';

const MAX_PAYLOAD = 8192;
const srv = forTestFile(new NatsServer({ maxPayload: MAX_PAYLOAD }));
let n = 0;

/** A fresh stream capturing `k<id>.>`; returns its name and subject prefix. */
async function stream(more: Record<string, unknown> = {}): Promise<{ name: string; prefix: string }> {
  const id = ++n;
  const name = `EVENTS${id}`;
  await srv.addStream({ name, subjects: [`k${id}.>`], ...more });
  return { name, prefix: `k${id}` };
}

function sink(o: Partial<NatsSinkOptions> & { subject: NatsSinkOptions['subject'] }, logs: LogLine[] = []): NatsSink {
  return new NatsSink({ servers: [srv.url], version: '9.9.9', logger: captureLogger(logs), timeoutMs: 5000, ...o });
}

test('a record is stored in the stream with its event id as Nats-Msg-Id, its exact bytes and its fields as headers', async () => {
  const { name, prefix } = await stream();
  const s = sink({ subject: `${prefix}.events` });
  const row = rowOf([kumoRecord(1, { type: 'Bounce', tenant: 'globex', campaign: 'promo' })], { segmentKey: 'aaaabbbbccccdddd', firstLine: 3 });
  assert.equal((await s.send(requestOf(row))).verdict, 'delivered');
  await s.close();
  const [m, ...rest] = await srv.messages(name);
  assert.equal(rest.length, 0);
  assert.ok(m);
  assert.deepEqual(m.data, row.body);
  assert.equal(m.subject, `${prefix}.events`);
  assert.equal(m.msgId, 'aaaabbbbccccdddd-3');
  assert.equal(m.headers['Content-Type'], 'application/json');
  assert.equal(m.headers['Loghook-Type'], 'Bounce');
  assert.equal(m.headers['Loghook-Tenant'], 'globex');
  assert.equal(m.headers['Loghook-Campaign'], 'promo');
  assert.equal(m.headers['Loghook-Node'], '557f3ad4-2c8c-11ee-976e-782d7e12e173');
  assert.equal(m.headers['Loghook-Attempt'], '1');
});

test('a batch is one message: a JSON array body, the batch id as Nats-Msg-Id, the event ids in a header', async () => {
  const { name, prefix } = await stream();
  const s = sink({ subject: `${prefix}.events` });
  const req = requestOf(rowOf([kumoRecord(1), kumoRecord(2)]));
  assert.equal((await s.send(req)).verdict, 'delivered');
  await s.close();
  const [m] = await srv.messages(name);
  assert.ok(m);
  assert.deepEqual(JSON.parse(m.data.toString()), [kumoRecord(1), kumoRecord(2)]);
  assert.equal(m.msgId, batchId(req.eventIds));
  assert.equal(m.headers['Loghook-Event-Ids'], req.eventIds.join(','));
});

test('a subject template puts each record under its type', async () => {
  const { name, prefix } = await stream();
  const s = sink({ subject: keyTemplate(`${prefix}.events.{type}`, 'subject') });
  for (const [i, type] of ['Delivery', 'Bounce'].entries()) assert.equal((await s.send(requestOf(rowOf([kumoRecord(i, { type })])))).verdict, 'delivered');
  await s.close();
  assert.deepEqual((await srv.messages(name)).map((m) => m.subject), [`${prefix}.events.Delivery`, `${prefix}.events.Bounce`]);
});

test('the same record published again within the duplicate window counts as delivered and is stored once', async () => {
  const { name, prefix } = await stream({ duplicate_window: 60_000_000_000 });
  const s = sink({ subject: `${prefix}.events` });
  const row = rowOf([kumoRecord(1)]);
  assert.equal((await s.send(requestOf(row))).verdict, 'delivered');
  assert.equal((await s.send(requestOf(row))).verdict, 'delivered');
  await s.close();
  assert.equal((await srv.messages(name)).length, 1);
});

test('no stream for the subject is a configuration problem naming the subject; the record is kept for a retry', async () => {
  const s = sink({ subject: 'nothing.listens.here' });
  const out = await s.send(requestOf(rowOf([kumoRecord(1)])));
  await s.close();
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'config');
  assert.equal(out.endpointLevel, 503);
  assert.match(out.disposition!, /^503 no responders: no JetStream stream captures subject "nothing.listens.here"/);
});

test('a full stream (discard new) is a transient failure in the stream\'s own words', async () => {
  const { name, prefix } = await stream({ max_msgs: 1, discard: 'new' });
  const s = sink({ subject: `${prefix}.events` });
  assert.equal((await s.send(requestOf(rowOf([kumoRecord(1)])))).verdict, 'delivered');
  const out = await s.send(requestOf(rowOf([kumoRecord(2)])));
  await s.close();
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'transient');
  assert.equal(out.disposition, 'stream full: 503 maximum messages exceeded (err_code 10077)');
  assert.equal((await srv.messages(name)).length, 1);
});

test('a record larger than the stream\'s max_msg_size is final, in the stream\'s words', async () => {
  const { prefix } = await stream({ max_msg_size: 1024 });
  const s = sink({ subject: `${prefix}.events` });
  const out = await s.send(requestOf(rowOf([kumoRecord(1, { pad: 2000 })])));
  await s.close();
  assert.equal(out.verdict, 'final');
  assert.equal(out.kind, 'too-large');
  assert.equal(out.disposition, '400 message size exceeds maximum allowed (err_code 10054)');
});

test('a record larger than the server\'s max_payload is final, naming the limit; the next one goes through', async () => {
  const { name, prefix } = await stream();
  const s = sink({ subject: `${prefix}.events` });
  const big = rowOf([kumoRecord(1, { pad: MAX_PAYLOAD })]);
  const out = await s.send(requestOf(big));
  assert.equal(out.verdict, 'final');
  assert.equal(out.kind, 'too-large');
  assert.equal(out.disposition, `message of ${big.body.length} bytes exceeds the server's max_payload (${MAX_PAYLOAD})`);
  assert.equal((await s.send(requestOf(rowOf([kumoRecord(2)])))).verdict, 'delivered');
  await s.close();
  assert.equal((await srv.messages(name)).length, 1);
});

test('the server down when loghook starts: sends fail as unreachable, then go through once it is up', async () => {
  const { name, prefix } = await stream();
  await srv.kill();
  await downThenUp(sink({ subject: `${prefix}.events`, connectTimeoutMs: 2000 }), () => srv.restart());
  assert.equal((await srv.messages(name)).length, 1);
});
