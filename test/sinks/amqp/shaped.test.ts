// Body shaping for an AMQP hook (src/body/ through sinks/broker-body.ts), against a private
// RabbitMQ: fields, a template, an envelope, per routing key of a mixed batch, each body checked
// byte for byte against its records, the message's properties and headers the same as for raw
// records; a record the template cannot render is dead-lettered alone, its neighbours published.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GetMessage } from 'amqplib';
import { Rabbit } from '../../helpers/rabbitmq.js';
import { forTestFile } from '../../helpers/broker-server.js';
import { requestOf, rowOf } from '../../helpers/sink-requests.js';
import { deliverAll } from '../../helpers/broker-run.js';
import { captureLogger, type LogLine } from '../../deliver/harness.js';
import { AmqpSink } from '../../../src/sinks/amqp/sink.js';
import type { AmqpSinkOptions } from '../../../src/sinks/amqp/config.js';
import { keyTemplate } from '../../../src/pipeline/hooks.js';
import { FAILING_KEY, FAILS_ON_BOUNCES, FIELDS, TEMPLATE, contentTypeOf, eachKey, envelopeBody, failingLines, fieldsBody, mixed, ndjsonBody, refusedAlone, shaperOf, type Seen } from '../shaped-support.js';

const rmq = forTestFile(new Rabbit());
let n = 0;

/** A fresh topic exchange with one queue taking every key. */
async function topology(): Promise<{ exchange: string; queue: string }> {
  const id = ++n;
  const exchange = `shaped-${id}`;
  const queue = `shaped-${id}`;
  await rmq.declare(exchange, [{ queue, pattern: '#' }]);
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

const see = (m: GetMessage): Seen => ({ body: m.content.toString(), id: m.properties.messageId, contentType: m.properties.contentType });

/** Every message's properties (message_id, type, content_type, timestamp, headers) as for raw records. */
function sameProperties(raw: Map<string, GetMessage>, shaped: Map<string, GetMessage>): void {
  assert.deepEqual([...shaped.keys()].sort(), [...raw.keys()].sort());
  for (const [key, m] of shaped) assert.deepEqual(m.properties, raw.get(key)!.properties, `${key}: the properties of the raw message`);
}

test('fields, rename and add: each routing key\'s message holds its records shaped, byte for byte, with the raw message\'s properties and headers', async () => {
  const { eventIds, raw, shaped } = await rawAndShaped({ shaper: shaperOf(FIELDS, 'array') });
  sameProperties(raw, shaped);
  eachKey(shaped, eventIds, see, fieldsBody, contentTypeOf('array'));
  assert.equal(shaped.get('kumo.Delivery.acme')!.properties.headers?.['loghook-event-ids'], [0, 3, 5].map((i) => eventIds[i]).join(','));
});

test('a template with batch_format ndjson: one rendered line per record, application/x-ndjson for several, the raw message\'s other properties', async () => {
  const { eventIds, raw, shaped } = await rawAndShaped({ shaper: shaperOf(TEMPLATE, 'ndjson') });
  eachKey(shaped, eventIds, see, ndjsonBody, contentTypeOf('ndjson'));
  // a raw array batch is application/json: the content type is the only property the format changes
  for (const [key, m] of shaped) assert.deepEqual({ ...m.properties, contentType: null }, { ...raw.get(key)!.properties, contentType: null }, key);
});

test('batch_format envelope: each message is {"batch_id": its message_id, "events": [{"id": event id, "record": the raw record}]}, one record too', async () => {
  const records = mixed();
  const { eventIds, raw, shaped } = await rawAndShaped({ shaper: shaperOf({ mode: 'raw' }, 'envelope') }, records);
  sameProperties(raw, shaped);
  eachKey(shaped, eventIds, see, (indexes) => envelopeBody(eventIds, indexes, records), contentTypeOf('array'));
});

test('through the dispatcher: a record the template cannot render is dead-lettered naming its event id, every other record is published once', async () => {
  const { exchange, queue } = await topology();
  const logs: LogLine[] = [];
  const r = await deliverAll(sink(exchange, { shaper: shaperOf(FAILS_ON_BOUNCES, 'array') }, logs), failingLines(), { batchSize: 10, segmentKey: FAILING_KEY });
  refusedAlone(r, (await rmq.drain(queue)).map((m) => m.content), logs);
});
