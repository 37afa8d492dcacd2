// body = "fields": what a real receiver gets for fields, rename and add, and what is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBodyShaper } from '../../src/body/shaper.js';
import { UsageError } from '../../src/util/errors.js';
import { fields, kumo, kumoRows, plainBody, requestOf, withShapedSink } from './support.js';

const received = (r: { headers: Record<string, unknown>; body: Buffer }) => JSON.parse(plainBody(r as never).toString()) as unknown;

test('fields keeps only the listed fields, in the listed order, values as kumod wrote them', async () => {
  await withShapedSink(fields(['response', 'type', 'size']), 'array', {}, async ({ rx, sink }) => {
    assert.equal((await sink.send(requestOf(kumoRows([2])))).verdict, 'delivered');
    const text = plainBody(rx.requests[0]!).toString();
    assert.deepEqual(JSON.parse(text), [0, 1].map((i) => ({ response: kumo(i).response, type: 'Delivery', size: 1000 + i })));
    // the order on the wire is the listed one, and the escapes in response.content are kept as written
    assert.ok(text.startsWith('[{"response":{"code":250,'), text);
    assert.ok(text.includes(String.raw`"content":"OK \"quoted\" \\ done"`), text);
  });
});

test('a dotted path keeps the record\'s shape; paths into one object share it', async () => {
  await withShapedSink(fields(['meta.tenant', 'type', 'response.code', 'meta.a.b']), 'array', {}, async ({ rx, sink }) => {
    await sink.send(requestOf(kumoRows([1])));
    assert.deepEqual(received(rx.requests[0]!), { meta: { tenant: 'acme', 'a.b': 'dotted' }, type: 'Delivery', response: { code: 250 } });
  });
});

test('rename sends a field under a new name, a dotted path at the top level', async () => {
  await withShapedSink(fields(['type', 'meta.tenant', 'recipient'], { type: 'event', 'meta.tenant': 'tenant' }), 'array', {}, async ({ rx, sink }) => {
    await sink.send(requestOf(kumoRows([1])));
    assert.deepEqual(received(rx.requests[0]!), { event: 'Delivery', tenant: 'acme', recipient: 'user0@example.net' });
  });
});

test('add appends constant fields to every record', async () => {
  await withShapedSink(fields(['type'], {}, { node: 'mta1', dc: 'eu' }), 'array', {}, async ({ rx, sink }) => {
    await sink.send(requestOf(kumoRows([2])));
    assert.deepEqual(received(rx.requests[0]!), [{ type: 'Delivery', node: 'mta1', dc: 'eu' }, { type: 'Delivery', node: 'mta1', dc: 'eu' }]);
  });
});

test('a field the record lacks is left out; a derived field (tenant, a header in any case) gives its text', async () => {
  await withShapedSink(fields(['type', 'egress_pool', 'tenant', 'headers.subject', 'response.nothing']), 'array', {}, async ({ rx, sink }) => {
    await sink.send(requestOf(kumoRows([1])));
    assert.deepEqual(received(rx.requests[0]!), { type: 'Delivery', tenant: 'acme', headers: { subject: 'hello 0' } });
  });
});

test('a single record is sent as the shaped object alone; ndjson is one shaped record per line', async () => {
  await withShapedSink(fields(['type', 'id']), 'ndjson', {}, async ({ rx, sink }) => {
    await sink.send(requestOf(kumoRows([1])));
    await sink.send(requestOf(kumoRows([3])));
    assert.equal(plainBody(rx.requests[0]!).toString(), '{"type":"Delivery","id":"m0"}\n');
    assert.equal(rx.requests[1]!.headers['content-type'], 'application/x-ndjson');
    assert.equal(plainBody(rx.requests[1]!).toString(), ['m0', 'm1', 'm2'].map((id) => `{"type":"Delivery","id":"${id}"}\n`).join(''));
  });
});

test('fields, rename and add that contradict each other are refused, naming the key', () => {
  const bad: [ReturnType<typeof fields>, RegExp][] = [
    [fields(['type', 'type']), /^fields: 'type' is listed twice/],
    [fields(['type'], { id: 'x' }), /^rename: 'id' is not one of fields/],
    [fields(['type', 'id'], { id: 'type' }), /^rename: 'id' and 'type' would both be sent as 'type'/],
    [fields(['type'], {}, { type: 'x' }), /^add: add 'type' and 'type' would both be sent as 'type'/],
    [fields(['meta..x']), /^fields: 'meta..x' is not a field name/],
  ];
  for (const [cfg, message] of bad) assert.throws(() => createBodyShaper(cfg, 'array'), (e: unknown) => e instanceof UsageError && message.test(e.message));
});
