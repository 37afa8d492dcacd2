import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyTemplate } from '../../src/pipeline/hooks.js';
import { keyOf, type RequestFields } from '../../src/sinks/broker-fields.js';
import { kumoRecord, requestOf, rowOf } from '../helpers/sink-requests.js';

const none: RequestFields = { type: null, tenant: null, campaign: null, node: null };

// regression: a record without a template field rendered an object, not a key
test('a broker key renders from the first record; a missing field gives _, literal braces stay', () => {
  const k = keyTemplate('kumo.{type}.{meta.tenant}', 'routing_key');
  const withTenant = requestOf(rowOf([{ ...kumoRecord(1, { type: 'Bounce' }), meta: { tenant: 'acme' } }]));
  assert.equal(keyOf(k, withTenant, none), 'kumo.Bounce.acme');
  const without = requestOf(rowOf([{ ...kumoRecord(2, { type: 'Delivery' }), meta: {} }]));
  assert.equal(keyOf(k, without, none), 'kumo._._');
  assert.equal(keyTemplate('kumo.{{x}}', 'subject'), 'kumo.{x}');
});
