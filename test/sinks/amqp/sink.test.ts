// The AMQP sink against a private RabbitMQ (one node for the file): what lands in the bound
// queue, and the outcome of each broker answer (policy.ts's table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rabbit } from '../../helpers/rabbitmq.js';
import { forTestFile } from '../../helpers/broker-server.js';
import { kumoRecord, requestOf, rowOf } from '../../helpers/sink-requests.js';
import { captureLogger, type LogLine } from '../../deliver/harness.js';
import { AmqpSink } from '../../../src/sinks/amqp/sink.js';
import type { AmqpSinkOptions } from '../../../src/sinks/amqp/config.js';
import { batchId } from '../../../src/hook/event-id.js';
import { keyTemplate } from '../../../src/pipeline/hooks.js';

const MAX_MESSAGE = 4096;
const rmq = forTestFile(new Rabbit({ maxMessageSize: MAX_MESSAGE }));
let n = 0;

/** A fresh topic exchange with a durable queue bound to `pattern`. */
async function topology(pattern = '#', queueArgs?: Record<string, unknown>): Promise<{ exchange: string; queue: string }> {
  const id = ++n;
  const exchange = `kumo-${id}`;
  const queue = `events-${id}`;
  await rmq.declare(exchange, [{ queue, pattern, ...(queueArgs ? { args: queueArgs } : {}) }]);
  return { exchange, queue };
}

function sink(o: Partial<AmqpSinkOptions> & { exchange: string }, logs: LogLine[] = []): AmqpSink {
  return new AmqpSink({ url: rmq.url(), routingKey: 'kumo.events', version: '9.9.9', logger: captureLogger(logs), timeoutMs: 10_000, ...o });
}

test('a record is published persistent, with its event id as message_id, its type, tenant, campaign and node, and its exact bytes', async () => {
  const { exchange, queue } = await topology();
  const s = sink({ exchange });
  const row = rowOf([kumoRecord(1, { type: 'Bounce', tenant: 'globex', campaign: 'promo' })], { segmentKey: 'aaaabbbbccccdddd', firstLine: 7 });
  const req = requestOf(row);
  const out = await s.send(req);
  await s.close();
  assert.equal(out.verdict, 'delivered');
  const [m, ...rest] = await rmq.drain(queue);
  assert.equal(rest.length, 0);
  assert.ok(m);
  assert.deepEqual(m.content, row.body);
  const p = m.properties;
  assert.equal(p.deliveryMode, 2);
  assert.equal(p.messageId, 'aaaabbbbccccdddd-7');
  assert.equal(p.contentType, 'application/json');
  assert.equal(p.type, 'Bounce');
  assert.equal(p.appId, 'loghook');
  assert.equal(p.timestamp, Math.floor(req.now / 1000));
  assert.deepEqual(p.headers, { tenant: 'globex', campaign: 'promo', node: '557f3ad4-2c8c-11ee-976e-782d7e12e173', 'loghook-attempt': 1 });
  assert.equal(m.fields.routingKey, 'kumo.events');
});

test('a batch is one message: a JSON array body, the batch id as message_id, the event ids in a header', async () => {
  const { exchange, queue } = await topology();
  const s = sink({ exchange });
  const row = rowOf([kumoRecord(1), kumoRecord(2), kumoRecord(3)]);
  const req = requestOf(row);
  assert.equal((await s.send(req)).verdict, 'delivered');
  await s.close();
  const [m] = await rmq.drain(queue);
  assert.ok(m);
  assert.deepEqual(JSON.parse(m.content.toString()), [kumoRecord(1), kumoRecord(2), kumoRecord(3)]);
  assert.equal(m.properties.messageId, batchId(req.eventIds));
  assert.equal(m.properties.headers?.['loghook-event-ids'], req.eventIds.join(','));
});

test('a routing key template routes each record by its fields', async () => {
  const { exchange, queue: acme } = await topology('kumo.*.acme');
  const other = `other-${n}`;
  await rmq.declare(exchange, [{ queue: other, pattern: 'kumo.*.globex' }]);
  const s = sink({ exchange, routingKey: keyTemplate('kumo.{type}.{tenant}', 'routing_key') });
  for (const [i, tenant] of ['acme', 'globex', 'acme'].entries()) {
    assert.equal((await s.send(requestOf(rowOf([kumoRecord(i, { tenant })])))).verdict, 'delivered');
  }
  await s.close();
  assert.deepEqual((await rmq.drain(acme)).map((m) => m.fields.routingKey), ['kumo.Delivery.acme', 'kumo.Delivery.acme']);
  assert.deepEqual((await rmq.drain(other)).map((m) => m.fields.routingKey), ['kumo.Delivery.globex']);
});

test('an unroutable message (mandatory, the default) is a configuration problem: retried, never lost, the disposition says what to fix', async () => {
  const { exchange, queue } = await topology('kumo.#');
  const s = sink({ exchange, routingKey: 'nowhere.at.all' });
  const out = await s.send(requestOf(rowOf([kumoRecord(1)])));
  await s.close();
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'config');
  assert.equal(out.signal, 'up');
  assert.equal(out.endpointLevel, 312);
  assert.match(out.disposition!, /^312 NO_ROUTE: exchange "kumo-\d+" routes routing key "nowhere.at.all" to no queue/);
  assert.equal((await rmq.drain(queue)).length, 0);
});

test('mandatory = false lets the broker drop an unroutable message, as it was asked', async () => {
  const { exchange } = await topology('kumo.#');
  const s = sink({ exchange, routingKey: 'nowhere', mandatory: false });
  assert.equal((await s.send(requestOf(rowOf([kumoRecord(1)])))).verdict, 'delivered');
  await s.close();
});

test('a nack (a full queue with overflow reject-publish) is a transient failure, and the nacked message is not in the queue', async () => {
  const { exchange, queue } = await topology('#', { 'x-max-length': 1, 'x-overflow': 'reject-publish' });
  const s = sink({ exchange });
  assert.equal((await s.send(requestOf(rowOf([kumoRecord(1)])))).verdict, 'delivered');
  const out = await s.send(requestOf(rowOf([kumoRecord(2)])));
  await s.close();
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'transient');
  assert.equal(out.signal, 'transient');
  assert.match(out.disposition!, /^nack: /);
  assert.deepEqual((await rmq.drain(queue)).map((m) => JSON.parse(m.content.toString()).n), [1]);
});

test('a nack can be made final with final_on, and the guard is told it was asked for', async () => {
  const { exchange } = await topology('#', { 'x-max-length': 0, 'x-overflow': 'reject-publish' });
  const s = sink({ exchange, policy: { finalOn: ['nack'] } });
  const out = await s.send(requestOf(rowOf([kumoRecord(1)])));
  await s.close();
  assert.equal(out.verdict, 'final');
  assert.equal(out.explicit, true);
});

test('a record larger than max_message_size is final with the broker\'s words; the next message goes through on a new channel', async () => {
  const { exchange, queue } = await topology();
  const s = sink({ exchange });
  const big = rowOf([kumoRecord(1, { pad: MAX_MESSAGE })]);
  const out = await s.send(requestOf(big));
  assert.equal(out.verdict, 'final');
  assert.equal(out.kind, 'too-large');
  assert.equal(out.disposition, `406 PRECONDITION_FAILED - message size ${big.body.length} is larger than configured max size ${MAX_MESSAGE}`);
  assert.equal((await s.send(requestOf(rowOf([kumoRecord(2)])))).verdict, 'delivered');
  await s.close();
  assert.deepEqual((await rmq.drain(queue)).map((m) => JSON.parse(m.content.toString()).n), [2]);
});

test('a message in flight on the channel a too-large message closed is retried, not buried with it', async () => {
  const { exchange, queue } = await topology();
  const s = sink({ exchange });
  const [big, small] = await Promise.all([s.send(requestOf(rowOf([kumoRecord(1, { pad: MAX_MESSAGE })]))), s.send(requestOf(rowOf([kumoRecord(2)])))]);
  const again = small.verdict === 'retry' ? await s.send(requestOf(rowOf([kumoRecord(2)]))) : small;
  await s.close();
  assert.equal(big.verdict, 'final');
  assert.notEqual(small.verdict, 'final');
  assert.equal(again.verdict, 'delivered');
  assert.deepEqual((await rmq.drain(queue)).map((m) => JSON.parse(m.content.toString()).n), [2]);
});

test('a missing exchange is a configuration problem with the broker\'s words', async () => {
  const s = sink({ exchange: 'no-such-exchange' });
  const out = await s.send(requestOf(rowOf([kumoRecord(1)])));
  await s.close();
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'config');
  assert.equal(out.endpointLevel, 404);
  assert.match(out.disposition!, /^404 NOT_FOUND - no exchange 'no-such-exchange' in vhost '\/'/);
});

test('wrong credentials are a configuration problem; the password appears in no disposition, log or endpoint', async () => {
  const { exchange } = await topology();
  const logs: LogLine[] = [];
  const password = 'not-the-password-XYZ';
  const s = sink({ exchange, url: rmq.url({ password }) }, logs);
  const out = await s.send(requestOf(rowOf([kumoRecord(1)])));
  await s.close();
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'config');
  assert.equal(out.signal, 'unreachable');
  assert.equal(out.endpointLevel, 403);
  assert.match(out.disposition!, /^connection refused: 403 ACCESS_REFUSED - Login was refused .*\(check the user and password\)$/);
  assert.equal(s.endpoint, `amqp://loghook:***@127.0.0.1:${rmq.port}/`);
  const everything = JSON.stringify([out, logs, s.endpoint]);
  assert.ok(!everything.includes(password), everything);
});

test('a vhost the broker does not have is a configuration problem naming the vhost', async () => {
  const s = sink({ exchange: 'x', url: rmq.url({ vhost: 'no-such-vhost' }) });
  const out = await s.send(requestOf(rowOf([kumoRecord(1)])));
  await s.close();
  assert.equal(out.kind, 'config');
  assert.equal(out.endpointLevel, 530);
  assert.match(out.disposition!, /vhost/);
});
