// The AMQP sink when the broker is not there, goes away, or blocks publishers: the broker down at
// start and then up, SIGKILLed in the middle of a run and restarted (the real spool and
// dispatcher carry the records across), and a memory alarm that must slow loghook down and lose
// nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rabbit } from '../../helpers/rabbitmq.js';
import { forTestFile } from '../../helpers/broker-server.js';
import { downThenUp } from '../../helpers/broker-checks.js';
import { kumoRecord, requestOf, rowOf } from '../../helpers/sink-requests.js';
import { captureLogger, type LogLine } from '../../deliver/harness.js';
import { waitFor } from '../../helpers/child.js';
import { deliverAll } from '../../helpers/broker-run.js';
import { AmqpSink } from '../../../src/sinks/amqp/sink.js';
import { AmqpProxy } from '../../helpers/amqp-proxy.js';

const rmq = forTestFile(new Rabbit());

/** An exchange and a queue of this name, the queue taking every key. */
const topology = (name: string) => rmq.declare(name, [{ queue: name, pattern: '#' }]);

function sink(exchange: string, logs: LogLine[] = [], timeoutMs = 10_000): AmqpSink {
  return new AmqpSink({ url: rmq.url(), exchange, routingKey: 'kumo', version: '9.9.9', logger: captureLogger(logs), timeoutMs, connectTimeoutMs: 3000 });
}

test('the broker down when loghook starts: sends fail as unreachable, and go through once it is up', async () => {
  await topology('late');
  await rmq.kill();
  await downThenUp(sink('late'), () => rmq.restart());
  assert.deepEqual((await rmq.drain('late')).map((m) => JSON.parse(m.content.toString()).n), [2]);
});

test('a broker that never answers channel.open: the send fails within the connect timeout, and the next one opens afresh', { timeout: 30_000 }, async () => {
  await topology('mute');
  const proxy = await AmqpProxy.start(rmq.port);
  const logs: LogLine[] = [];
  const s = new AmqpSink({ url: rmq.url().replace(`:${rmq.port}/`, `:${proxy.port}/`), exchange: 'mute', routingKey: 'kumo', version: '9.9.9', logger: captureLogger(logs), timeoutMs: 10_000, connectTimeoutMs: 1500 });
  try {
    proxy.swallowChannelOpen = true;
    const t0 = Date.now();
    const mute = await s.send(requestOf(rowOf([kumoRecord(1)])));
    const took = Date.now() - t0;
    assert.equal(proxy.swallowed, 1, 'the channel.open reached the proxy and was held back');
    assert.equal(mute.verdict, 'retry');
    assert.equal(mute.signal, 'unreachable');
    assert.match(mute.disposition!, /no AMQP channel within 1500 ms/);
    assert.ok(took >= 1400 && took < 8000, `gave up after ${took} ms`);
    proxy.swallowChannelOpen = false;
    assert.equal((await s.send(requestOf(rowOf([kumoRecord(2)])))).verdict, 'delivered');
  } finally {
    await s.close();
    await proxy.stop();
  }
  assert.deepEqual((await rmq.drain('mute')).map((m) => JSON.parse(m.content.toString()).n), [2]);
});

test('the broker SIGKILLed mid-run and restarted: every record ends up in the queue, duplicates only under the same message_id', { timeout: 120_000 }, async () => {
  await topology('killed');
  const logs: LogLine[] = [];
  const total = 3000;
  const lines = Array.from({ length: total }, (_, i) => JSON.stringify(kumoRecord(i)) + '\n');
  const r = await deliverAll(sink('killed', logs), lines, {
    segmentKey: 'abcdefabcdefabcd', perRow: 20, batchSize: 1, logger: captureLogger(logs), logs, timeoutMs: 90_000,
    during: async (d) => {
      await waitFor(() => d.stats().delivered >= 500, { timeoutMs: 60_000, what: '500 delivered' });
      await rmq.kill();
      await sleep(500);
      await rmq.restart();
    },
  });
  assert.deepEqual(r.dead, []);
  assert.ok(r.retried > 0, 'the kill made some sends fail');
  const got = await rmq.drain('killed');
  const idOf = new Map<number, string>();
  for (const m of got) {
    const rec = JSON.parse(m.content.toString()) as { n: number };
    const id = m.properties.messageId as string;
    assert.equal(id, `abcdefabcdefabcd-${rec.n}`);
    assert.equal(idOf.get(rec.n) ?? id, id);
    idOf.set(rec.n, id);
  }
  assert.equal(idOf.size, total, `${total - idOf.size} records missing from the queue`);
  assert.ok(logs.some((l) => l.msg.startsWith('lost the AMQP connection')));
});

test('a memory alarm blocks publishing: the send waits past the confirm timeout without failing and is confirmed once the alarm clears', { timeout: 60_000 }, async () => {
  await topology('alarm');
  const logs: LogLine[] = [];
  // a confirm timeout shorter than the alarm: time blocked must not count (2 s: a loaded machine's
  // broker took over 1 s to confirm once the alarm cleared)
  const s = sink('alarm', logs, 2000);
  try {
    assert.equal((await s.send(requestOf(rowOf([kumoRecord(1)])))).verdict, 'delivered');
    await rmq.ctl('set_vm_memory_high_watermark', '0.0000001');
    // RabbitMQ blocks a connection when it next publishes
    let settled = false;
    const pending = s.send(requestOf(rowOf([kumoRecord(2)]))).finally(() => (settled = true));
    await waitFor(() => s.blocked, { timeoutMs: 20_000, what: 'the connection blocked' });
    await sleep(3500);
    assert.equal(settled, false, 'a send completed while the broker blocked publishing');
    await rmq.ctl('set_vm_memory_high_watermark', '0.4');
    const out = await pending;
    assert.equal(out.verdict, 'delivered');
    assert.equal(s.blocked, false);
  } finally {
    await rmq.ctl('set_vm_memory_high_watermark', '0.4').catch(() => undefined);
    await s.close();
  }
  assert.deepEqual((await rmq.drain('alarm')).map((m) => JSON.parse(m.content.toString()).n), [1, 2]);
  assert.ok(logs.some((l) => l.level === 'warn' && /blocked publishing/.test(l.msg)));
});
