// Benchmark (a script, not a test): loghook's broker sinks driven by the real Dispatcher over an
// in-memory queue, against a bare publisher written with the same client library in the same
// run (rounds alternate which goes first): same record bytes, same body and headers per message (the bare
// publisher knows its records' fields; loghook reads them from each record), the same number of messages in flight, confirms
// (AMQP confirm channel) or acks (JetStream publish) awaited for each.
//   node dist/bench/brokers.js [records per case, default 200000] [amqp|nats] [in flight, default 8]
// Brokers are private instances (test/helpers), each in its own processes. The queue holds at
// most 10,000 messages (oldest dropped) so memory stays flat, and is emptied before each case; every message is still persisted
// and confirmed. CPU is this process's (user + system) per record.
import amqp from 'amqplib';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Rabbit } from '../test/helpers/rabbitmq.js';
import { NatsServer } from '../test/helpers/nats.js';
import { Dispatcher } from '../src/deliver/dispatcher.js';
import type { QueuePort } from '../src/deliver/queue-port.js';
import type { Sink } from '../src/deliver/sink.js';
import type { QueuedRow } from '../src/spool/types.js';
import { bodyFromSlices } from '../src/deliver/batch-body.js';
import { eventIdsOf, requestId } from '../src/hook/event-id.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { AmqpSink } from '../src/sinks/amqp/sink.js';
import { NatsSink } from '../src/sinks/nats/sink.js';
import { LINE, NODE, makeRow } from './dispatch-support.js';

interface Result {
  records: number;
  seconds: number;
  cpuUs: number;
}

async function measure(total: number, run: () => Promise<void>): Promise<Result> {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { records: total, seconds, cpuUs: (cpu.user + cpu.system) / total };
}

/** The whole loop: take, batch, body, properties, publish, confirm, ack. */
async function dispatcherCase(sink: Sink, total: number, batch: number, inFlight: number): Promise<Result> {
  let next = 0;
  let acked = 0;
  let finished!: () => void;
  const done = new Promise<void>((r) => (finished = r));
  const queue: QueuePort = {
    takeDue: (max) => {
      const out: QueuedRow[] = [];
      while (next < total && out.length * batch < Math.max(max, batch)) {
        out.push(makeRow(batch, next / batch + 1, next));
        next += batch;
      }
      return out;
    },
    nextDueAt: () => (next < total ? 0 : null),
    ack: (ids) => {
      acked += ids.length * batch;
      if (acked >= total) finished();
    },
    settle: (_m, results) => {
      throw new Error(`unexpected settle: ${JSON.stringify(results[0])}`);
    },
    noteEndpoint: () => undefined,
  };
  const d = new Dispatcher({ sink, queue, batchSize: batch, concurrency: inFlight, maxBatchBytes: 16 << 20 });
  // connect outside the measurement, as the bare publisher does
  const warm = makeRow(1, 0, 1e9);
  const ids = eventIdsOf([{ msg: warm, from: 0, to: 1 }]);
  const w = await sink.send({ slices: [{ msg: warm, from: 0, to: 1 }], records: 1, eventIds: ids, id: requestId(ids), attempt: 1, now: Date.now(), format: 'array' });
  if (w.verdict !== 'delivered') throw new Error(`warm-up: ${w.disposition}`);
  const r = await measure(total, async () => {
    void d.start();
    await done;
  });
  await d.stop({ timeoutMs: 5000 });
  await sink.close();
  return r;
}

/**
 * What loghook's message carries besides its body, which a bare publisher knows by construction
 * (every record is the same Delivery of tenant acme): the same headers, so that both put the same
 * bytes on the wire and the broker stores the same messages.
 */
export interface BareHeaders {
  type: string;
  tenant: string;
  campaign: string;
  node: string;
  attempt: string;
  /** several records: their event ids, as loghook lists them */
  eventIds: string | null;
}

/** A bare publisher: `inFlight` workers, each publish awaited for its confirm. */
async function bareCase(publish: (body: Buffer, id: string, h: BareHeaders) => Promise<void>, total: number, batch: number, inFlight: number): Promise<Result> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const first = next;
      next += batch;
      // the same bytes loghook sends: the record, or an array of records
      const row = makeRow(batch, 1, first);
      const ids = eventIdsOf([{ msg: row, from: 0, to: batch }]);
      const h: BareHeaders = { type: 'Delivery', tenant: 'acme', campaign: 'welcome', node: NODE, attempt: '1', eventIds: batch > 1 ? ids.join(',') : null };
      await publish(bodyFromSlices([{ msg: row, from: 0, to: row.ends.length }], 'array').body, requestId(ids), h);
    }
  };
  return measure(total, () => Promise.all(Array.from({ length: inFlight }, worker)).then(() => undefined));
}

async function amqpCases(inFlight: number): Promise<Record<string, unknown>> {
  const rmq = await Rabbit.start();
  try {
    const admin = await rmq.connect();
    const ch = await admin.createChannel();
    await ch.assertExchange('bench', 'fanout', { durable: true });
    await ch.assertQueue('bench', { durable: true, arguments: { 'x-max-length': 10_000 } });
    await ch.bindQueue('bench', 'bench', '');
    await admin.close();
    const out: Record<string, unknown> = {};
    const purge = async () => {
      const c = await rmq.connect();
      await (await c.createChannel()).purgeQueue('bench');
      await c.close();
    };
    for (const batch of [1, 100]) {
      const bare = async () => {
        await purge();
        const c = await amqp.connect(rmq.url());
        const cc = await c.createConfirmChannel();
        const r = await bareCase(
          (body, id, h) => {
            const headers: Record<string, string | number> = { 'loghook-attempt': 1, tenant: h.tenant, campaign: h.campaign, node: h.node };
            if (h.eventIds !== null) headers['loghook-event-ids'] = h.eventIds;
            const props = { persistent: true, messageId: id, contentType: 'application/json', appId: 'loghook', type: h.type, timestamp: Math.floor(Date.now() / 1000), headers, mandatory: true };
            return new Promise((resolve, reject) => cc.publish('bench', 'kumo', body, props, (err: unknown) => (err ? reject(err) : resolve())));
          },
          perRound, batch, inFlight,
        );
        await c.close();
        return r;
      };
      const lh = async () => {
        await purge();
        const sink = new AmqpSink({ url: rmq.url(), exchange: 'bench', routingKey: 'kumo', version: 'bench', logger: silentLogger });
        return dispatcherCase(sink, perRound, batch, inFlight);
      };
      out[`batch ${batch}`] = report(...(await alternate(ROUNDS, bare, lh)));
    }
    return out;
  } finally {
    await rmq.stop();
  }
}

async function natsCases(inFlight: number): Promise<Record<string, unknown>> {
  const srv = await NatsServer.start();
  try {
    await srv.addStream({ name: 'BENCH', subjects: ['bench.>'], max_msgs: 10_000, discard: 'old' as never });
    const out: Record<string, unknown> = {};
    const purge = () => srv.withJsm({}, (jsm) => jsm.streams.purge('BENCH').then(() => undefined));
    for (const batch of [1, 100]) {
      const bare = async () => {
        await purge();
        const nc = await connect({ servers: [srv.url] });
        const js = jetstream(nc);
        const r = await bareCase(async (body, id, f) => {
          const h = natsHeaders();
          h.set('Content-Type', 'application/json');
          h.set('Loghook-Attempt', f.attempt);
          h.set('Loghook-Type', f.type);
          h.set('Loghook-Tenant', f.tenant);
          h.set('Loghook-Campaign', f.campaign);
          h.set('Loghook-Node', f.node);
          if (f.eventIds !== null) h.set('Loghook-Event-Ids', f.eventIds);
          await js.publish('bench.events', body, { msgID: id, headers: h });
        }, perRound, batch, inFlight);
        await nc.close();
        return r;
      };
      const lh = async () => {
        await purge();
        const sink = new NatsSink({ servers: [srv.url], subject: 'bench.events', version: 'bench', logger: silentLogger });
        return dispatcherCase(sink, perRound, batch, inFlight);
      };
      out[`batch ${batch}`] = report(...(await alternate(ROUNDS, bare, lh)));
    }
    return out;
  } finally {
    await srv.stop();
  }
}

/** Rounds alternate which side goes first (the shared disk and CPU drift); totals per side. */
async function alternate(rounds: number, bare: () => Promise<Result>, lh: () => Promise<Result>): Promise<[Result, Result]> {
  const sum = (a: Result | null, b: Result): Result =>
    a === null ? b : { records: a.records + b.records, seconds: a.seconds + b.seconds, cpuUs: (a.cpuUs * a.records + b.cpuUs * b.records) / (a.records + b.records) };
  let b: Result | null = null;
  let l: Result | null = null;
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      b = sum(b, await bare());
      l = sum(l, await lh());
    } else {
      l = sum(l, await lh());
      b = sum(b, await bare());
    }
  }
  return [b!, l!];
}

function report(bare: Result, lh: Result) {
  const rate = (r: Result) => Math.round(r.records / r.seconds);
  return {
    'bare records/s': rate(bare),
    'loghook records/s': rate(lh),
    'ratio (loghook / bare)': Number((rate(lh) / rate(bare)).toFixed(2)),
    'bare CPU µs/record': Number(bare.cpuUs.toFixed(1)),
    'loghook CPU µs/record': Number(lh.cpuUs.toFixed(1)),
  };
}

const total = Number(process.argv[2] ?? 200_000);
const only = process.argv[3];
const inFlight = Number(process.argv[4] ?? 8);
const ROUNDS = 4;
const perRound = Math.ceil(total / ROUNDS / 100) * 100;
console.log(`node ${process.version}, ${perRound * ROUNDS} records per side and case in ${ROUNDS} alternating rounds, record ${Buffer.byteLength(LINE)} bytes, ${inFlight} messages in flight`);
if (only !== 'nats') console.log('\n## amqp (RabbitMQ, persistent, publisher confirms)\n' + JSON.stringify(await amqpCases(inFlight), null, 2));
if (only !== 'amqp') console.log('\n## nats (JetStream, file storage, publish acks)\n' + JSON.stringify(await natsCases(inFlight), null, 2));
