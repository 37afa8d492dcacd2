// Batches with records of several subjects, against a private nats-server: every record is
// published under the subject it renders itself, a request is delivered only when every one of
// its messages is acked, and a subject that fails keeps the request queued; sent again, the
// messages already stored are dropped by the stream's duplicate window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NatsServer } from '../../helpers/nats.js';
import { forTestFile } from '../../helpers/broker-server.js';
import { kumoRecord, requestOf, rowOf } from '../../helpers/sink-requests.js';
import { deliverAll } from '../../helpers/broker-run.js';
import { captureLogger } from '../../deliver/harness.js';
import { NatsSink } from '../../../src/sinks/nats/sink.js';
import { keyTemplate } from '../../../src/pipeline/hooks.js';
import { batchId } from '../../../src/hook/event-id.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { waitFor } from '../../helpers/child.js';

const srv = forTestFile(new NatsServer());
let n = 0;

function sink(prefix: string): NatsSink {
  return new NatsSink({ servers: [srv.url], subject: keyTemplate(`${prefix}.{type}.{tenant}`, 'subject'), version: '9.9.9', logger: captureLogger([]), timeoutMs: 5000 });
}

const recordsOf = (data: Buffer) => [JSON.parse(data.toString()) as { n: number; type: string; queue: string }].flat();

const MIX = [
  { type: 'Delivery', tenant: 'acme' }, { type: 'Bounce', tenant: 'acme' }, { type: 'Delivery', tenant: 'globex' },
  { type: 'Delivery', tenant: 'acme' }, { type: 'Bounce', tenant: 'globex' }, { type: 'Delivery', tenant: 'acme' },
];

test('a batch of mixed types and tenants: each record under its own subject, one acked message per subject', async () => {
  const p = `m${++n}`;
  await srv.addStream({ name: `MIX${n}`, subjects: [`${p}.>`] });
  const s = sink(p);
  const req = requestOf(rowOf(MIX.map((o, i) => kumoRecord(i, o))));
  assert.equal((await s.send(req)).verdict, 'delivered');
  await s.close();
  const got = await srv.messages(`MIX${n}`);
  const bySubject = Object.fromEntries(got.map((m) => [m.subject, recordsOf(m.data).map((r) => r.n)]));
  assert.deepEqual(bySubject, { [`${p}.Delivery.acme`]: [0, 3, 5], [`${p}.Bounce.acme`]: [1], [`${p}.Delivery.globex`]: [2], [`${p}.Bounce.globex`]: [4] });
  const acme = got.find((m) => m.subject === `${p}.Delivery.acme`)!;
  const ids = [0, 3, 5].map((i) => req.eventIds[i]!);
  assert.equal(acme.msgId, batchId(ids));
  assert.equal(acme.headers['Loghook-Event-Ids'], ids.join(','));
  assert.equal(acme.headers['Loghook-Tenant'], 'acme');
  assert.equal(got.find((m) => m.subject === `${p}.Bounce.acme`)!.msgId, req.eventIds[1], 'a message of one record carries its event id');
});

test('one subject of a batch without a stream: retried naming it; sent again once it has one, the stream holds every record once', async () => {
  const p = `u${++n}`;
  await srv.addStream({ name: `DEL${n}`, subjects: [`${p}.Delivery.>`], duplicate_window: 60_000_000_000 });
  const s = sink(p);
  const req = requestOf(rowOf(MIX.map((o, i) => kumoRecord(i, o))));
  const out = await s.send(req);
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'config');
  assert.equal(out.signal, 'up');
  assert.match(out.disposition!, new RegExp(`^subject "${p}\\.Bounce\\.(acme|globex)": 503 no responders: .*\\(2 of the request's 4 messages failed\\); 4 records confirmed under other keys are published again with the rest$`));
  await srv.addStream({ name: `BOU${n}`, subjects: [`${p}.Bounce.>`], duplicate_window: 60_000_000_000 });
  assert.equal((await s.send(req)).verdict, 'delivered');
  await s.close();
  const stored = [...(await srv.messages(`DEL${n}`)), ...(await srv.messages(`BOU${n}`))].flatMap((m) => recordsOf(m.data).map((r) => r.n));
  assert.deepEqual(stored.sort(), [0, 1, 2, 3, 4, 5], 'the deliveries sent twice are in the stream once');
});

// A split regroups the records of the halves: messages already stored may be stored again under
// a new batch id (README: exactly once per record holds with batch_size = 1); every copy names
// each record by its event id.
test('through the dispatcher: a record over the stream\'s max_msg_size among a batch\'s subjects is final alone, every other record is stored under its subject and event id', async () => {
  const p = `t${++n}`;
  await srv.addStream({ name: `BIG${n}`, subjects: [`${p}.>`], max_msg_size: 4096 });
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify(kumoRecord(i, { ...MIX[i % MIX.length]!, ...(i === 23 ? { pad: 5000 } : {}) })) + '\n');
  const r = await deliverAll(sink(p), lines, { batchSize: 10, segmentKey: 'feedfacefeedface' });
  assert.deepEqual(r.dead.map((d) => [d.line, d.reason]), [[23, 'final']]);
  assert.match(r.dead[0]!.disposition!, /message size exceeds maximum allowed \(err_code 10054\)/);
  const seen = new Set<number>();
  for (const m of await srv.messages(`BIG${n}`)) {
    const recs = recordsOf(m.data);
    const ids = recs.length === 1 ? [m.msgId] : m.headers['Loghook-Event-Ids']!.split(',');
    for (const [j, rec] of recs.entries()) {
      assert.equal(m.subject, `${p}.${rec.type}.${rec.queue.split(':')[1]!.split('@')[0]}`, `record ${rec.n} under its own subject`);
      assert.equal(ids[j], `feedfacefeedface-${rec.n}`, `record ${rec.n} named by its event id`);
      seen.add(rec.n);
    }
  }
  assert.deepEqual([...seen].sort((x, y) => x - y), lines.map((_, i) => i).filter((i) => i !== 23));
});

test('max_message_rate: a request waits for its records\' share of the rate before anything is published', async () => {
  const p = `r${++n}`;
  await srv.addStream({ name: `RATE${n}`, subjects: [`${p}.>`] });
  const clock = new ManualClock();
  const s = new NatsSink({ servers: [srv.url], subject: `${p}.events`, maxMessageRate: 10, clock, version: '9.9.9', logger: captureLogger([]), timeoutMs: 5000 });
  assert.equal((await s.send(requestOf(rowOf(Array.from({ length: 10 }, (_, i) => kumoRecord(i)))))).verdict, 'delivered', 'the first second\'s worth goes at once');
  const second = s.send(requestOf(rowOf(Array.from({ length: 10 }, (_, i) => kumoRecord(10 + i)))));
  await waitFor(() => clock.sleeping > 0, { what: 'the second request waits for the rate' });
  assert.equal((await srv.messages(`RATE${n}`)).length, 1, 'nothing of the second request is published yet');
  clock.advance(1000);
  assert.equal((await second).verdict, 'delivered');
  await s.close();
  assert.equal((await srv.messages(`RATE${n}`)).length, 2);
});
