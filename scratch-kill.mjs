import { setTimeout as sleep } from 'node:timers/promises';
import { Rabbit } from './dist/test/helpers/rabbitmq.js';
import { kumoRecord } from './dist/test/helpers/sink-requests.js';
import { captureLogger } from './dist/test/deliver/harness.js';
import { deliverAll } from './dist/test/helpers/broker-run.js';
import { AmqpSink } from './dist/src/sinks/amqp/sink.js';
const rmq = await Rabbit.start();
const rounds = Number(process.argv[2] ?? 3);
try {
  for (let round = 0; round < rounds; round++) {
    const name = 'k' + round;
    const c = await rmq.connect(); const ch = await c.createChannel();
    await ch.assertExchange(name, 'topic', { durable: true }); await ch.assertQueue(name, { durable: true }); await ch.bindQueue(name, name, '#'); await c.close();
    const logs = [];
    const total = 6000;
    const lines = Array.from({ length: total }, (_, i) => JSON.stringify(kumoRecord(i)) + '\n');
    const s = new AmqpSink({ url: rmq.url(), exchange: name, routingKey: 'kumo', version: '9', logger: captureLogger(logs), timeoutMs: 10000, connectTimeoutMs: 3000 });
    const t0 = Date.now();
    try {
      const r = await deliverAll(s, lines, { segmentKey: 'abcdefabcdefabcd', perRow: 20, batchSize: 1, logger: captureLogger(logs), logs, timeoutMs: 60000,
        during: async (d) => {
          for (let k = 1; k <= 3; k++) {
            const want = k * 1200 + Math.floor(Math.random() * 300);
            while (d.stats().delivered < want) await sleep(Math.random() * 5);
            await rmq.kill();
            await sleep(Math.random() * 600);
            await rmq.restart();
          }
        } });
      console.log('round', round, 'ok', Date.now() - t0, 'ms', 'retried', r.retried, 'dead', r.dead.length);
    } catch (e) { console.log('round', round, 'FAILED', e.message); break; }
  }
} finally { await rmq.stop(); }
