import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQueueName } from '../../src/record/queue-name.js';

test('a bare domain is only a domain', () => {
  assert.deepEqual(parseQueueName('example.com'), { campaign: undefined, tenant: undefined, domain: 'example.com', routing_domain: undefined });
});

test('tenant@domain gives the tenant and the domain', () => {
  assert.deepEqual(parseQueueName('acme@gmail.com'), { campaign: undefined, tenant: 'acme', domain: 'gmail.com', routing_domain: undefined });
});

test('campaign:tenant@domain gives all three', () => {
  assert.deepEqual(parseQueueName('welcome:acme@gmail.com'), { campaign: 'welcome', tenant: 'acme', domain: 'gmail.com', routing_domain: undefined });
});

test("campaign:@domain (kumod's spelling of a campaign without a tenant) has no tenant", () => {
  assert.deepEqual(parseQueueName('welcome:@gmail.com'), { campaign: 'welcome', tenant: undefined, domain: 'gmail.com', routing_domain: undefined });
});

test('!routing_domain is split off the domain in every form', () => {
  assert.deepEqual(parseQueueName('example.com!smarthost.example'), { campaign: undefined, tenant: undefined, domain: 'example.com', routing_domain: 'smarthost.example' });
  assert.deepEqual(parseQueueName('acme@example.com!relay.example'), { campaign: undefined, tenant: 'acme', domain: 'example.com', routing_domain: 'relay.example' });
  assert.deepEqual(parseQueueName('c:t@d.example!r.example'), { campaign: 'c', tenant: 't', domain: 'd.example', routing_domain: 'r.example' });
  assert.deepEqual(parseQueueName('c:@d.example!r.example'), { campaign: 'c', tenant: undefined, domain: 'd.example', routing_domain: 'r.example' });
});

test("campaign:domain without '@' is one domain name, as kumod parses it", () => {
  assert.deepEqual(parseQueueName('campaign:domain'), { campaign: undefined, tenant: undefined, domain: 'campaign:domain', routing_domain: undefined });
});

test("the first '@' ends the prefix, the first ':' ends the campaign, the first '!' starts the routing domain", () => {
  assert.deepEqual(parseQueueName('a:b:c@d@e!f!g'), { campaign: 'a', tenant: 'b:c', domain: 'd@e', routing_domain: 'f!g' });
});

test('empty parts are absent', () => {
  assert.deepEqual(parseQueueName(':@d.example!'), { campaign: undefined, tenant: undefined, domain: 'd.example', routing_domain: undefined });
  assert.deepEqual(parseQueueName('t@'), { campaign: undefined, tenant: 't', domain: undefined, routing_domain: undefined });
});

test("kumod's internal queues (null, *.kumomta.internal, xfer) have no parts; a policy's webhook.log_hook is a domain", () => {
  for (const q of ['', 'null', 'deferred_smtp_inject.kumomta.internal', 'generator.kumomta.internal', 'http://10.0.0.2:8000/.xfer.kumomta.internal', 'https://u@h:1/.xfer.kumomta.internal']) {
    assert.deepEqual(parseQueueName(q), {}, q);
  }
  assert.deepEqual(parseQueueName('webhook.log_hook'), { campaign: undefined, tenant: undefined, domain: 'webhook.log_hook', routing_domain: undefined });
});
