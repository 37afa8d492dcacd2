// Batches with records of several routing keys, against a private RabbitMQ: every record is
// published under the key it renders itself, a request is delivered only when every one of its
// messages is confirmed, and a key that fails keeps its records (and the request's) queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GetMessage } from 'amqplib';
import { Rabbit } from '../../helpers/rabbitmq.js';
import { forTestFile } from '../../helpers/broker-server.js';
import { kumoRecord, requestOf, rowOf } from '../../helpers/sink-requests.js';
import { deliverAll } from '../../helpers/broker-run.js';
import { captureLogger } from '../../deliver/harness.js';
import { AmqpSink } from '../../../src/sinks/amqp/sink.js';
import { keyTemplate } from '../../../src/pipeline/hooks.js';
import { batchId } from '../../../src/hook/event-id.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { waitFor } from '../../helpers/child.js';

const MAX_MESSAGE = 4096;
const rmq = forTestFile(new Rabbit({ maxMessageSize: MAX_MESSAGE }));
let n = 0;

/** A topic exchange and one durable queue per binding pattern; returns the queue of each. */
async function topology(patterns: string[]): Promise<{ exchange: string; queues: string[] }> {
  const id = ++n;
  const exchange = `kumo-b${id}`;
  const queues = patterns.map((_, i) => `b${id}-${i}`);
  await rmq.declare(exchange, patterns.map((pattern, i) => ({ queue: queues[i]!, pattern })));
  return { exchange, queues };
}

function sink(exchange: string): AmqpSink {
  return new AmqpSink({ url: rmq.url(), exchange, routingKey: keyTemplate('kumo.{type}.{tenant}', 'routing_key'), version: '9.9.9', logger: captureLogger([]), timeoutMs: 10_000 });
}

const recordsOf = (m: GetMessage) => [JSON.parse(m.content.toString()) as { n: number; type: string; queue: string }].flat();

const MIX = [
  { type: 'Delivery', tenant: 'acme' }, { type: 'Bounce', tenant: 'acme' }, { type: 'Delivery', tenant: 'globex' },
  { type: 'Delivery', tenant: 'acme' }, { type: 'Bounce', tenant: 'globex' }, { type: 'Delivery', tenant: 'acme' },
];

test('a batch of mixed types and tenants: each record under its own routing key, one confirmed message per key', async () => {
  const { exchange, queues: [acme, globex, bounces] } = await topology(['kumo.Delivery.acme', 'kumo.Delivery.globex', 'kumo.Bounce.*']);
  const s = sink(exchange);
  const req = requestOf(rowOf(MIX.map((o, i) => kumoRecord(i, o))));
  assert.equal((await s.send(req)).verdict, 'delivered');
  await s.close();
  const a = await rmq.drain(acme!);
  assert.equal(a.length, 1, 'the three acme deliveries are one message');
  assert.deepEqual(recordsOf(a[0]!).map((r) => r.n), [0, 3, 5]);
  const ids = [0, 3, 5].map((i) => req.eventIds[i]!);
  assert.equal(a[0]!.properties.messageId, batchId(ids));
  assert.equal(a[0]!.properties.headers?.['loghook-event-ids'], ids.join(','));
  assert.equal(a[0]!.properties.type, 'Delivery');
  assert.equal(a[0]!.properties.headers?.tenant, 'acme');
  const g = await rmq.drain(globex!);
  assert.deepEqual(g.map((m) => [m.fields.routingKey, m.properties.messageId, recordsOf(m).map((r) => r.n)]), [['kumo.Delivery.globex', req.eventIds[2], [2]]]);
  const b = await rmq.drain(bounces!);
  const bounced = b.flatMap((m) => recordsOf(m).map((r) => [m.fields.routingKey, r.n]));
  assert.deepEqual(bounced.sort(), [['kumo.Bounce.acme', 1], ['kumo.Bounce.globex', 4]]);
});

test('one key of a batch unroutable: the request is retried naming that key; sent again, the routed records come again under the same message_id', async () => {
  const { exchange, queues: [deliveries] } = await topology(['kumo.Delivery.*']);
  const s = sink(exchange);
  const req = requestOf(rowOf(MIX.map((o, i) => kumoRecord(i, o))));
  const out = await s.send(req);
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'config');
  assert.equal(out.signal, 'up');
  assert.match(out.disposition!, /^routing key "kumo\.Bounce\.(acme|globex)": 312 NO_ROUTE: .*\(2 of the request's 4 messages failed\); 4 records confirmed under other keys are published again with the rest$/);
  assert.equal((await s.send(req)).verdict, 'retry');
  await s.close();
  const got = await rmq.drain(deliveries!);
  const byId = new Map<string, number[][]>();
  for (const m of got) byId.set(m.properties.messageId as string, [...(byId.get(m.properties.messageId as string) ?? []), recordsOf(m).map((r) => r.n)]);
  assert.deepEqual([...byId.values()].map((copies) => copies.length), [2, 2], 'each routed message twice, under one id');
  assert.deepEqual([...byId.values()].map((c) => c[0]).sort(), [[0, 3, 5], [2]]);
});

test('through the dispatcher: a too-large record among a batch\'s keys is final alone, every other record is confirmed under its key and event id', async () => {
  const { exchange, queues: [all] } = await topology(['kumo.#']);
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify(kumoRecord(i, { ...MIX[i % MIX.length]!, ...(i === 17 ? { pad: MAX_MESSAGE } : {}) })) + '\n');
  const r = await deliverAll(sink(exchange), lines, { batchSize: 10, segmentKey: 'feedfacefeedface' });
  assert.deepEqual(r.dead.map((d) => [d.line, d.reason]), [[17, 'final']]);
  assert.match(r.dead[0]!.disposition!, /406 PRECONDITION_FAILED - message size \d+ is larger than configured max size 4096/);
  const seen = new Set<number>();
  for (const m of await rmq.drain(all!)) {
    const recs = recordsOf(m);
    const ids = recs.length === 1 ? [m.properties.messageId as string] : String(m.properties.headers?.['loghook-event-ids']).split(',');
    for (const [j, rec] of recs.entries()) {
      assert.equal(m.fields.routingKey, `kumo.${rec.type}.${rec.queue.split(':')[1]!.split('@')[0]}`, `record ${rec.n} under its own key`);
      assert.equal(ids[j], `feedfacefeedface-${rec.n}`, `record ${rec.n} named by its event id`);
      seen.add(rec.n);
    }
  }
  assert.deepEqual([...seen].sort((x, y) => x - y), lines.map((_, i) => i).filter((i) => i !== 17));
});

test('max_message_rate: a request waits for its records\' share of the rate before anything is published', async () => {
  const { exchange, queues: [all] } = await topology(['kumo.#']);
  const clock = new ManualClock();
  const s = new AmqpSink({ url: rmq.url(), exchange, routingKey: 'kumo.events', maxMessageRate: 5, clock, version: '9.9.9', logger: captureLogger([]), timeoutMs: 10_000 });
  assert.equal((await s.send(requestOf(rowOf(Array.from({ length: 5 }, (_, i) => kumoRecord(i)))))).verdict, 'delivered');
  const second = s.send(requestOf(rowOf([kumoRecord(5)])));
  await waitFor(() => clock.sleeping > 0, { what: 'the second request waits for the rate' });
  assert.equal((await rmq.drain(all!)).length, 1, 'only the first request is in the queue');
  clock.advance(200);
  assert.equal((await second).verdict, 'delivered');
  await s.close();
  assert.deepEqual((await rmq.drain(all!)).map((m) => recordsOf(m).map((r) => r.n)), [[5]]);
});
