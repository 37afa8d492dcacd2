import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyTemplate } from '../../src/pipeline/hooks.js';
import type { KeyOf } from '../../src/sinks/broker-fields.js';
import { RecordView } from '../../src/record/view.js';
import { recordStart } from '../../src/spool/types.js';
import { kumoRecord, rowOf } from '../helpers/sink-requests.js';

function render(k: KeyOf, rec: object): string {
  const m = rowOf([rec]);
  return typeof k === 'string' ? k : k(new RecordView(m.body, recordStart(m, 0), m.ends[0]!));
}

// regression: a record without a template field rendered an object, not a key
test('a broker key renders from a record; a missing field gives _, literal braces stay', () => {
  const k = keyTemplate('kumo.{type}.{meta.tenant}', 'routing_key');
  assert.equal(render(k, { ...kumoRecord(1, { type: 'Bounce' }), meta: { tenant: 'acme' } }), 'kumo.Bounce.acme');
  assert.equal(render(k, { ...kumoRecord(2, { type: 'Delivery' }), meta: {} }), 'kumo._._');
  assert.equal(keyTemplate('kumo.{{x}}', 'subject'), 'kumo.{x}');
});
