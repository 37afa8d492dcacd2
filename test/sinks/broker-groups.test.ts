// A request's records partitioned by the key each renders (broker-groups.ts), and the one
// outcome of its messages (broker-outcome.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partition } from '../../src/sinks/broker-groups.js';
import { requestOutcome } from '../../src/sinks/broker-outcome.js';
import { keyTemplate } from '../../src/pipeline/hooks.js';
import { DELIVERED_OUTCOME, type SinkOutcome } from '../../src/deliver/sink.js';
import { bodyFromSlices } from '../../src/deliver/batch-body.js';
import { batchId } from '../../src/hook/event-id.js';
import { kumoRecord, requestOf, rowOf } from '../helpers/sink-requests.js';

const byType = keyTemplate('kumo.{type}', 'routing_key');

test('a batch of mixed types becomes one message per rendered key, each with only its records, in body order', () => {
  const types = ['Delivery', 'Bounce', 'Delivery', 'TransientFailure', 'Bounce', 'Delivery'];
  const row = rowOf(types.map((type, i) => kumoRecord(i, { type })));
  const req = requestOf(row);
  const msgs = partition(req, byType);
  assert.deepEqual(msgs.map((m) => m.key), ['kumo.Delivery', 'kumo.Bounce', 'kumo.TransientFailure']);
  // one record is sent as kumod wrote it, several as a JSON array
  const ns = (m: (typeof msgs)[number]) => [JSON.parse(bodyFromSlices(m.slices, 'array').body.toString()) as { n: number } | { n: number }[]].flat().map((r) => r.n);
  assert.deepEqual(msgs.map(ns), [[0, 2, 5], [1, 4], [3]]);
  assert.deepEqual(msgs[0]!.eventIds, [req.eventIds[0], req.eventIds[2], req.eventIds[5]]);
  assert.equal(msgs[0]!.id, batchId(msgs[0]!.eventIds));
  assert.equal(msgs[2]!.id, req.eventIds[3], 'a message of one record carries its event id');
  assert.equal(msgs[2]!.records, 1);
});

test('a request under one key stays one message with the request id; a message spanning rows keeps row order', () => {
  const a = rowOf([kumoRecord(1), kumoRecord(2)]);
  const b = rowOf([kumoRecord(3)]);
  const slices = [{ msg: a, from: 0, to: 2 }, { msg: b, from: 0, to: 1 }];
  const req = { ...requestOf(a), slices, records: 3, eventIds: [...requestOf(a).eventIds, ...requestOf(b).eventIds] };
  req.id = batchId(req.eventIds);
  const [m, ...rest] = partition(req, 'kumo.events');
  assert.equal(rest.length, 0);
  assert.equal(m!.id, req.id);
  assert.deepEqual(m!.slices.map((s) => [s.from, s.to]), [[0, 2], [0, 1]]);
});

test('a message carries a field only when all its records agree on it', () => {
  const req = requestOf(rowOf([kumoRecord(1, { tenant: 'acme', campaign: 'a' }), kumoRecord(2, { tenant: 'acme', campaign: 'b' })]));
  const [m] = partition(req, 'fixed');
  assert.deepEqual(m!.fields, { type: 'Delivery', tenant: 'acme', campaign: null, node: '557f3ad4-2c8c-11ee-976e-782d7e12e173' });
});

test('a line that is not JSON has no fields and goes to the key with every field _', () => {
  const [m] = partition(requestOf(rowOf(['not json\n'])), byType);
  assert.equal(m!.key, 'kumo._');
  assert.deepEqual(m!.fields, { type: null, tenant: null, campaign: null, node: null });
});

function fail(verdict: 'retry' | 'final', kind: SinkOutcome['kind'], disposition: string): SinkOutcome {
  return { verdict, explicit: false, kind, disposition, failureKey: `k:${disposition}`, retryAfterMs: null, signal: 'transient', endpointLevel: null };
}

test('a request is delivered only when every one of its messages is', () => {
  const msgs = partition(requestOf(rowOf([kumoRecord(1, { type: 'Bounce' }), kumoRecord(2)])), byType);
  assert.equal(requestOutcome(msgs.map((message) => ({ message, outcome: DELIVERED_OUTCOME })), 'routing key').verdict, 'delivered');
  const out = requestOutcome([{ message: msgs[0]!, outcome: DELIVERED_OUTCOME }, { message: msgs[1]!, outcome: fail('retry', 'config', '312 NO_ROUTE') }], 'routing key');
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'config');
  assert.equal(out.signal, 'up', 'the broker took a message: it is up');
  assert.equal(out.disposition, 'routing key "kumo.Delivery": 312 NO_ROUTE; 1 records confirmed under other keys are published again with the rest');
});

test('a too-large message makes the request too large (the dispatcher splits it), even beside a retry', () => {
  const msgs = partition(requestOf(rowOf([kumoRecord(1, { type: 'Bounce' }), kumoRecord(2), kumoRecord(3, { type: 'Reception' })])), byType);
  const out = requestOutcome([
    { message: msgs[0]!, outcome: fail('retry', 'transient', 'nack') },
    { message: msgs[1]!, outcome: fail('final', 'too-large', '406 too big') },
    { message: msgs[2]!, outcome: DELIVERED_OUTCOME },
  ], 'subject');
  assert.equal(out.kind, 'too-large');
  assert.equal(out.verdict, 'final');
  assert.match(out.disposition!, /^subject "kumo.Delivery": 406 too big \(2 of the request's 3 messages failed\); the request is split/);
});

test('a retry wins over a final: records that may still go through are not given up', () => {
  const msgs = partition(requestOf(rowOf([kumoRecord(1, { type: 'Bounce' }), kumoRecord(2)])), byType);
  const out = requestOutcome([{ message: msgs[0]!, outcome: fail('final', 'rejected', 'nack') }, { message: msgs[1]!, outcome: fail('retry', 'timeout', 'timeout') }], 'subject');
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'timeout');
});

test('record by record, a field agreed so far goes once a later record differs, and comes from the queue name when meta lacks it', () => {
  const node = '557f3ad4-2c8c-11ee-976e-782d7e12e173';
  const line = (type: string, meta: object, queue: string) => JSON.stringify({ type, queue, meta, nodeid: node }) + '\n';
  const agree = partition(requestOf(rowOf([
    line('Delivery', { tenant: 'acme', campaign: 'a' }, 'x:y@example.net'),
    line('Delivery', { tenant: 'acme', campaign: 'a' }, 'x:y@example.net'),
    // no meta tenant/campaign: the queue name's, which agree
    line('Delivery', {}, 'a:acme@example.net'),
  ])), 'fixed')[0]!;
  assert.deepEqual(agree.fields, { type: 'Delivery', tenant: 'acme', campaign: 'a', node });
  const third = partition(requestOf(rowOf([
    line('Delivery', { tenant: 'acme', campaign: 'a' }, 'q@example.net'),
    line('Delivery', { tenant: 'acme', campaign: 'a' }, 'q@example.net'),
    line('Bounce', { tenant: 'acme', campaign: 'b' }, 'q@example.net'),
    line('Delivery', { tenant: 'acme', campaign: 'a' }, 'q@example.net'),
  ])), 'fixed')[0]!;
  assert.deepEqual(third.fields, { type: null, tenant: 'acme', campaign: null, node });
  // the same value written with an escape is a difference (the header is left out, never wrong),
  // and a line that is not JSON ends every field
  const escaped = partition(requestOf(rowOf([line('Delivery', { tenant: 'acme', campaign: 'a' }, 'q@x'), line('Delivery', { tenant: 'acme', campaign: 'a' }, 'q@x').replace('"acme"', '"\\u0061cme"')])), 'fixed')[0]!;
  assert.equal(escaped.fields.tenant, null);
  assert.equal(escaped.fields.type, 'Delivery');
  const broken = partition(requestOf(rowOf([line('Delivery', { tenant: 'acme', campaign: 'a' }, 'q@x'), 'not json\n'])), 'fixed')[0]!;
  assert.deepEqual(broken.fields, { type: null, tenant: null, campaign: null, node: null });
});
