// A loghook-like process for the broker crash tests: it queues records into the real spool (10
// per commit, with the checkpoint, as tail does) while the real dispatcher publishes them through
// the real AMQP or NATS sink and acks them back into the spool. The parent SIGKILLs it at random
// moments and starts it again on the same state dir.
//   node crash-child.js amqp|nats <stateDir> <url> <exchange|subject prefix> <total records> [batch size]
// Records cycle through three types; the routing key or subject is the template
// `<kumo|prefix>.{type}`, so with a batch size above 1 each request holds several keys.
// Prints {"from": n} at start (records already queued) and {"done": true} once every record is
// queued and delivered, then exits 0.
import { Spool } from '../../src/spool/spool.js';
import { Dispatcher } from '../../src/deliver/dispatcher.js';
import type { Sink } from '../../src/deliver/sink.js';
import { chunkOf } from '../helpers/broker-run.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { AmqpSink } from '../../src/sinks/amqp/sink.js';
import { NatsSink } from '../../src/sinks/nats/sink.js';
import { keyTemplate } from '../../src/pipeline/hooks.js';

const [kind, stateDir, url, target, totalText, batchText = '1'] = process.argv.slice(2) as [string, string, string, string, string, string?];
const total = Number(totalText);
const batchSize = Number(batchText);
const TYPES = ['Delivery', 'Bounce', 'TransientFailure'];
const PER_COMMIT = 10;
const CRASH_SEGMENT_KEY = 'c0ffeec0ffeec0ff';

const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

function record(n: number): string {
  return JSON.stringify({ type: TYPES[n % TYPES.length], id: `msg-${n}`, queue: `welcome:acme@example.net`, n, nodeid: 'crash-test' }) + '\n';
}

function chunk(first: number, count: number) {
  return chunkOf(Array.from({ length: count }, (_, i) => record(first + i)), first, CRASH_SEGMENT_KEY);
}

const sink: Sink =
  kind === 'amqp'
    ? new AmqpSink({ url, exchange: target, routingKey: keyTemplate('kumo.{type}', 'routing_key'), version: 'test', logger: silentLogger, timeoutMs: 5000, connectTimeoutMs: 3000 })
    : new NatsSink({ servers: [url], subject: keyTemplate(`${target}.{type}`, 'subject'), version: 'test', logger: silentLogger, timeoutMs: 5000, connectTimeoutMs: 3000 });

const spool = Spool.open({ stateDir });
let queued = Number(spool.loadCheckpoints().get('s1') ?? 0);
say({ from: queued });
const d = new Dispatcher({ sink, queue: spool, batchSize, concurrency: 8, retryIntervalMs: 200, maxRetryIntervalMs: 1000, breaker: { initialIntervalMs: 100, maxIntervalMs: 500 } });
void d.start();
setInterval(() => spool.flush(), 20);
const feed = setInterval(() => {
  if (queued >= total) {
    clearInterval(feed);
    return;
  }
  const count = Math.min(PER_COMMIT, total - queued);
  spool.commit([chunk(queued, count)], new Map([['s1', String(queued + count)]]));
  queued += count;
  d.wake();
}, 20);
const check = setInterval(() => {
  if (queued < total) return;
  spool.flush();
  if (spool.counts().records > 0 || d.stats().inFlightRequests > 0) return;
  clearInterval(check);
  say({ done: true, dead: spool.deadCount() });
  void d.stop().then(() => sink.close()).then(() => {
    spool.close();
    process.exit(0);
  });
}, 50);
