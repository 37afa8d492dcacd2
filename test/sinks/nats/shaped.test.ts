// Body shaping for a NATS hook (src/body/ through sinks/broker-body.ts), against a private
// nats-server: fields, a template, an envelope, per subject of a mixed batch, each body checked
// byte for byte against its records, Nats-Msg-Id and the headers the same as for raw records; a
// record the template cannot render is dead-lettered alone, its neighbours stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NatsServer } from '../../helpers/nats.js';
import { forTestFile } from '../../helpers/broker-server.js';
import { requestOf, rowOf } from '../../helpers/sink-requests.js';
import { deliverAll } from '../../helpers/broker-run.js';
import { captureLogger, type LogLine } from '../../deliver/harness.js';
import { NatsSink } from '../../../src/sinks/nats/sink.js';
import type { NatsSinkOptions } from '../../../src/sinks/nats/config.js';
import { keyTemplate } from '../../../src/pipeline/hooks.js';
import { FAILING_KEY, FAILS_ON_BOUNCES, FIELDS, TEMPLATE, contentTypeOf, eachKey, envelopeBody, failingLines, fieldsBody, kumo, mixed, ndjsonBody, refusedAlone, shaperOf, type Seen } from '../shaped-support.js';

const srv = forTestFile(new NatsServer());
let n = 0;

type Stored = Awaited<ReturnType<NatsServer['messages']>>[number];

function sink(prefix: string, o: Partial<NatsSinkOptions> = {}, logs: LogLine[] = []): NatsSink {
  return new NatsSink({ servers: [srv.url], subject: keyTemplate(`${prefix}.{type}.{tenant}`, 'subject'), version: '9.9.9', logger: captureLogger(logs), timeoutMs: 5000, ...o });
}

/** A stream for `<prefix>.>`; its name. */
async function stream(prefix: string): Promise<string> {
  const name = prefix.toUpperCase();
  await srv.addStream({ name, subjects: [`${prefix}.>`] });
  return name;
}

/** The same request through a raw sink and a shaped one: each stream's messages, by subject under `kumo`. */
async function rawAndShaped(o: Partial<NatsSinkOptions>, records = mixed()): Promise<{ eventIds: readonly string[]; raw: Map<string, Stored>; shaped: Map<string, Stored> }> {
  const id = ++n;
  const [a, b] = [`raw${id}`, `shaped${id}`];
  const [sa, sb] = [await stream(a), await stream(b)];
  const req = requestOf(rowOf(records));
  const [raw, shaped] = [sink(a), sink(b, o)];
  assert.equal((await raw.send(req)).verdict, 'delivered');
  assert.equal((await shaped.send(req)).verdict, 'delivered');
  await raw.close();
  await shaped.close();
  const byKey = (ms: Stored[], prefix: string) => new Map(ms.map((m) => [`kumo${m.subject.slice(prefix.length)}`, m]));
  return { eventIds: req.eventIds, raw: byKey(await srv.messages(sa), a), shaped: byKey(await srv.messages(sb), b) };
}

const see = (m: Stored): Seen => ({ body: m.data.toString(), id: m.msgId, contentType: m.headers['Content-Type'] });

/** Every message's Nats-Msg-Id and headers as for raw records. */
function sameHeaders(raw: Map<string, Stored>, shaped: Map<string, Stored>): void {
  assert.deepEqual([...shaped.keys()].sort(), [...raw.keys()].sort());
  for (const [key, m] of shaped) {
    assert.equal(m.msgId, raw.get(key)!.msgId, key);
    assert.deepEqual(m.headers, raw.get(key)!.headers, `${key}: the headers of the raw message`);
  }
}

test('fields, rename and add: each subject\'s message holds its records shaped, byte for byte, with the raw message\'s Nats-Msg-Id and headers', async () => {
  const { eventIds, raw, shaped } = await rawAndShaped({ shaper: shaperOf(FIELDS, 'array') });
  sameHeaders(raw, shaped);
  eachKey(shaped, eventIds, see, fieldsBody, contentTypeOf('array'));
  assert.equal(shaped.get('kumo.Delivery.acme')!.headers['Loghook-Event-Ids'], [0, 3, 5].map((i) => eventIds[i]).join(','));
});

test('a template with batch_format ndjson: one rendered line per record, application/x-ndjson for several, the raw message\'s other headers', async () => {
  const { eventIds, raw, shaped } = await rawAndShaped({ shaper: shaperOf(TEMPLATE, 'ndjson') });
  eachKey(shaped, eventIds, see, ndjsonBody, contentTypeOf('ndjson'));
  // a raw array batch is application/json: the content type is the only header the format changes
  for (const [key, m] of shaped) assert.deepEqual({ ...m.headers, 'Content-Type': null }, { ...raw.get(key)!.headers, 'Content-Type': null }, key);
});

test('batch_format envelope: each message is {"batch_id": its Nats-Msg-Id, "events": [{"id": event id, "record": the raw record}]}, one record too', async () => {
  const records = mixed();
  const { eventIds, raw, shaped } = await rawAndShaped({ shaper: shaperOf({ mode: 'raw' }, 'envelope') }, records);
  sameHeaders(raw, shaped);
  eachKey(shaped, eventIds, see, (indexes) => envelopeBody(eventIds, indexes, records), contentTypeOf('array'));
});

test('through the dispatcher: a record the template cannot render is dead-lettered naming its event id, every other record is stored once', async () => {
  const p = `fail${++n}`;
  const name = await stream(p);
  const logs: LogLine[] = [];
  const r = await deliverAll(sink(p, { shaper: shaperOf(FAILS_ON_BOUNCES, 'array') }, logs), failingLines(), { batchSize: 10, segmentKey: FAILING_KEY });
  refusedAlone(r, (await srv.messages(name)).map((m) => m.data), logs);
});

test('max_batch_bytes holds for the shaped message: one of several records over it splits the request unpublished, a single record goes whatever its size', async () => {
  const p = `big${++n}`;
  const name = await stream(p);
  // two records as a raw array fit; wrapped in an envelope they do not
  const records = [kumo(0), kumo(1)];
  const max = records.reduce((b, r) => b + JSON.stringify(r).length + 1, 0) + 20;
  const s = new NatsSink({ servers: [srv.url], subject: `${p}.events`, version: '9.9.9', logger: captureLogger([]), timeoutMs: 5000, shaper: shaperOf({ mode: 'raw' }, 'envelope'), maxBatchBytes: max });
  const out = await s.send(requestOf(rowOf(records)));
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'too-large');
  assert.match(out.disposition!, new RegExp(`^the shaped body is \\d+ bytes, over max_batch_bytes ${max}: split$`));
  assert.equal((await srv.messages(name)).length, 0, 'nothing published');
  const one = requestOf(rowOf([kumo(2, { tenant: 'x'.repeat(max) })]));
  assert.equal((await s.send(one)).verdict, 'delivered');
  await s.close();
  const [m] = await srv.messages(name);
  assert.ok(m!.data.length > max);
  assert.equal((JSON.parse(m!.data.toString()) as { batch_id: string }).batch_id, one.id);
});
