import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderBuilder, basicAuthFromUrl, parseHeaderOption } from '../../../src/sinks/http/headers.js';
import { batchId as batchWebhookId, requestId } from '../../../src/hook/event-id.js';
import type { BatchFormat } from '../../../src/deliver/batch-body.js';

/** A request for event ids `<segkey>-<line>` (one row per id, so any order can be made). */
function req(eventIds: string[], attempt: number, now: number, format: BatchFormat) {
  const slices = eventIds.map((id) => {
    const [segmentKey, line] = id.split('-') as [string, string];
    return { msg: { segmentKey, lines: [Number(line)] }, from: 0, to: 1 };
  });
  return { id: requestId(eventIds), slices, records: eventIds.length, attempt, timestamp: String(Math.floor(now / 1000)), format };
}
import { UsageError } from '../../../src/util/errors.js';

test('a single record: webhook-id and Idempotency-Key are its event id; no Loghook-Event-Ids', () => {
  const h = new HeaderBuilder({ version: '1.2.3' }).build(req(['abc-7'], 1, 1_700_000_000_999, 'array'));
  assert.equal(h['user-agent'], 'loghook/1.2.3');
  assert.equal(h['webhook-id'], 'abc-7');
  assert.equal(h['idempotency-key'], 'abc-7');
  assert.equal(h['webhook-timestamp'], '1700000000');
  assert.equal(h['loghook-attempt'], '1');
  assert.equal(h['content-type'], 'application/json');
  assert.equal(h['loghook-event-ids'], undefined);
});

test('a batch: a stable b- id from its members, and the members in body order', () => {
  const ids = ['k-1', 'k-2', 'k-3'];
  const hb = new HeaderBuilder({ version: '1' });
  const a = hb.build(req(ids, 1, 0, 'ndjson'));
  const b = hb.build(req([...ids], 3, 60_000, 'ndjson'));
  assert.match(a['webhook-id']!, /^b-[0-9a-f]{32}$/);
  assert.equal(a['webhook-id'], b['webhook-id']);
  assert.equal(a['webhook-id'], batchWebhookId(ids));
  assert.notEqual(batchWebhookId(['k-1', 'k-2']), a['webhook-id']);
  assert.equal(a['idempotency-key'], a['webhook-id']);
  assert.equal(a['loghook-event-ids'], 'k-1..3');
  assert.equal(b['loghook-attempt'], '3');
  assert.equal(a['content-type'], 'application/x-ndjson');
});

test('--header items are added; they may replace User-Agent and Content-Type', () => {
  const extra = [parseHeaderOption('X-Api-Key:  s3cret '), parseHeaderOption('User-Agent: mine'), parseHeaderOption('content-type: text/plain')];
  const h = new HeaderBuilder({ version: '1', extra }).build(req(['a-1'], 1, 0, 'array'));
  assert.equal(h['x-api-key'], 's3cret');
  assert.equal(h['user-agent'], 'mine');
  assert.equal(h['content-type'], 'text/plain');
});

test('parseHeaderOption rejects malformed items, naming them but not their value', () => {
  const cases: [string, RegExp][] = [
    ['X-Api-Key s3cret', /"X-Api-Key".*no ":"/],
    [': s3cret', /has no name/],
    ['Bad Name: s3cret', /"Bad Name".*not allowed/],
    ['X-A: s3cret\r\nX-B: 1', /"X-A".*line break/],
    ['Content-Length: 5', /"Content-Length".*HTTP client/],
    ['Host: s3cret', /"Host"/],
    ['webhook-id: s3cret', /computed by loghook/],
    ['Loghook-Attempt: 9', /computed by loghook/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseHeaderOption(text), (e: unknown) => {
      assert.ok(e instanceof UsageError, text);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('s3cret'), e.message);
      return true;
    });
  }
});

test('userinfo in the URL becomes Basic authorization', () => {
  assert.deepEqual(basicAuthFromUrl('https://u%40x:p%3Aw@h/x'), { name: 'Authorization', value: 'Basic ' + Buffer.from('u@x:p:w').toString('base64') });
  assert.equal(basicAuthFromUrl('https://h/x'), null);
  const h = new HeaderBuilder({ version: '1', url: 'http://a:b@h/' }).build(req(['a-1'], 1, 0, 'array'));
  assert.equal(h['authorization'], 'Basic ' + Buffer.from('a:b').toString('base64'));
});
