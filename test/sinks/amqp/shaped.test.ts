// Body shaping for an AMQP hook (src/body/ through sinks/broker-body.ts), against a private
// RabbitMQ: fields, a template, an envelope, per routing key of a mixed batch, each body checked
// byte for byte against its records, the message's properties and headers the same as for raw
// records; a record the template cannot render is dead-lettered alone, its neighbours published.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChannelModel, GetMessage } from 'amqplib';
import { Rabbit } from '../../helpers/rabbitmq.js';
import { requestOf, rowOf } from '../../helpers/sink-requests.js';
import { deliverAll } from '../../helpers/broker-run.js';
import { captureLogger, type LogLine } from '../../deliver/harness.js';
import { AmqpSink } from '../../../src/sinks/amqp/sink.js';
import type { AmqpSinkOptions } from '../../../src/sinks/amqp/config.js';
import { keyTemplate } from '../../../src/pipeline/hooks.js';
import { FAILS_ON_BOUNCES, FIELDS, MIX, TEMPLATE, arrayOf, fieldsText, groups, kumo, messageIdOf, mixed, shaperOf, templateText } from '../shaped-support.js';

let rmq: Rabbit;
let admin: ChannelModel;
let n = 0;

before(async () => {
  rmq = await Rabbit.start();
  admin = await rmq.connect();
});

after(async () => {
  await admin?.close().catch(() => undefined);
  await rmq?.stop();
});

/** A fresh topic exchange with one queue taking every key. */
async function topology(): Promise<{ exchange: string; queue: string }> {
  const id = ++n;
  const ch = await admin.createChannel();
  const exchange = `shaped-${id}`;
  const queue = `shaped-${id}`;
  await ch.assertExchange(exchange, 'topic', { durable: true });
  await ch.assertQueue(queue, { durable: true });
  await ch.bindQueue(queue, exchange, '#');
  await ch.close();
  return { exchange, queue };
}

function sink(exchange: string, o: Partial<AmqpSinkOptions> = {}, logs: LogLine[] = []): AmqpSink {
  return new AmqpSink({ url: rmq.url(), exchange, routingKey: keyTemplate('kumo.{type}.{tenant}', 'routing_key'), version: '9.9.9', logger: captureLogger(logs), timeoutMs: 10_000, ...o });
}

/** The same request through a raw sink and a shaped one: both queues' messages, by routing key. */
async function rawAndShaped(o: Partial<AmqpSinkOptions>, records = mixed()): Promise<{ eventIds: readonly string[]; raw: Map<string, GetMessage>; shaped: Map<string, GetMessage> }> {
  const [a, b] = [await topology(), await topology()];
  const req = requestOf(rowOf(records));
  const [raw, shaped] = [sink(a.exchange), sink(b.exchange, o)];
  assert.equal((await raw.send(req)).verdict, 'delivered');
  assert.equal((await shaped.send(req)).verdict, 'delivered');
  await raw.close();
  await shaped.close();
  const byKey = (ms: GetMessage[]) => new Map(ms.map((m) => [m.fields.routingKey, m]));
  return { eventIds: req.eventIds, raw: byKey(await rmq.drain(a.queue)), shaped: byKey(await rmq.drain(b.queue)) };
}

/** Every message's properties (message_id, type, content_type, timestamp, headers) as for raw records. */
function sameProperties(raw: Map<string, GetMessage>, shaped: Map<string, GetMessage>): void {
  assert.deepEqual([...shaped.keys()].sort(), [...raw.keys()].sort());
  for (const [key, m] of shaped) assert.deepEqual(m.properties, raw.get(key)!.properties, `${key}: the properties of the raw message`);
}

test('fields, rename and add: each routing key\'s message holds its records shaped, byte for byte, with the raw message\'s properties and headers', async () => {
  const { eventIds, raw, shaped } = await rawAndShaped({ shaper: shaperOf(FIELDS, 'array') });
  sameProperties(raw, shaped);
  for (const { key, indexes } of groups('kumo')) {
    const m = shaped.get(key)!;
    assert.equal(m.content.toString(), arrayOf(indexes.map((i) => fieldsText(i, MIX[i]!))), key);
    assert.equal(m.properties.messageId, messageIdOf(eventIds, indexes));
    assert.equal(m.properties.contentType, 'application/json');
  }
  assert.equal(shaped.get('kumo.Delivery.acme')!.properties.headers?.['loghook-event-ids'], [0, 3, 5].map((i) => eventIds[i]).join(','));
});

test('a template with batch_format ndjson: one rendered line per record, application/x-ndjson for several, the raw message\'s other properties', async () => {
  const { eventIds, raw, shaped } = await rawAndShaped({ shaper: shaperOf(TEMPLATE, 'ndjson') });
  for (const { key, indexes } of groups('kumo')) {
    const m = shaped.get(key)!;
    assert.equal(m.content.toString(), indexes.map((i) => templateText(i, MIX[i]!) + '\n').join(''), key);
    assert.equal(m.properties.messageId, messageIdOf(eventIds, indexes));
    assert.equal(m.properties.contentType, indexes.length > 1 ? 'application/x-ndjson' : 'application/json');
    // a raw array batch is application/json: the content type is the only property the format changes
    assert.deepEqual({ ...m.properties, contentType: null }, { ...raw.get(key)!.properties, contentType: null });
  }
});

test('batch_format envelope: each message is {"batch_id": its message_id, "events": [{"id": event id, "record": the raw record}]}, one record too', async () => {
  const records = mixed();
  const { eventIds, raw, shaped } = await rawAndShaped({ shaper: shaperOf({ mode: 'raw' }, 'envelope') }, records);
  sameProperties(raw, shaped);
  for (const { key, indexes } of groups('kumo')) {
    const m = shaped.get(key)!;
    const id = messageIdOf(eventIds, indexes);
    const events = indexes.map((i) => `{"id":"${eventIds[i]}","record":${JSON.stringify(records[i])}}`);
    assert.equal(m.content.toString(), `{"batch_id":"${id}","events":[${events.join(',')}]}`, key);
    assert.equal(m.properties.messageId, id);
  }
});

test('through the dispatcher: a record the template cannot render is dead-lettered naming its event id, every other record is published once', async () => {
  const { exchange, queue } = await topology();
  const logs: LogLine[] = [];
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify(kumo(i, { type: i === 13 ? 'Bounce' : 'Delivery', tenant: i % 2 ? 'acme' : 'globex' })) + '\n');
  const r = await deliverAll(sink(exchange, { shaper: shaperOf(FAILS_ON_BOUNCES, 'array') }, logs), lines, { batchSize: 10, segmentKey: 'feedfacefeedface' });
  assert.deepEqual(r.dead.map((d) => [d.line, d.reason]), [[13, 'final']]);
  assert.match(r.dead[0]!.disposition!, /^not sent: event feedfacefeedface-13 cannot be shaped: template: line 2: .*Unable to call `recipient`/);
  const ids = (await rmq.drain(queue)).flatMap((m) => [JSON.parse(m.content.toString()) as { id: string }].flat().map((x) => x.id));
  assert.deepEqual(ids.sort(), lines.map((_, i) => `m${i}`).filter((m) => m !== 'm13').sort(), 'each neighbour once: nothing of a refused request was published');
  assert.ok(logs.some((l) => l.level === 'warn' && l.msg.includes('event feedfacefeedface-13 cannot be shaped')), 'the split is logged with its cause');
});
