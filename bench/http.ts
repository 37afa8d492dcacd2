// Benchmark (a script, not a test): requests/s and records/s POSTing batches to a local node:http
// receiver running in a child process (so it has its own core, as a real receiver would).
//   node dist/bench/http.js [seconds per case, default 3] [client|dispatcher]
// Part 1 drives HttpClient directly (body + headers built per request, as the dispatcher does);
// part 2 runs the whole Dispatcher over an in-memory queue that always has due rows.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../src/sinks/http/client.js';
import { bodyFromSlices } from '../src/deliver/batch-body.js';
import { HeaderBuilder } from '../src/sinks/http/headers.js';
import { HttpSink } from '../src/sinks/http/sink.js';
import { eventIdsOf, requestId } from '../src/hook/event-id.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { Dispatcher } from '../src/deliver/dispatcher.js';
import type { QueuePort } from '../src/deliver/queue-port.js';
import type { QueuedRow } from '../src/spool/types.js';
import { makeRow, timedRun } from './dispatch-support.js';

if (process.argv[2] === 'receiver') {
  const srv = createServer((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => res.end('ok'));
  });
  srv.keepAliveTimeout = 60_000;
  srv.listen(0, '127.0.0.1', () => process.send!((srv.address() as AddressInfo).port));
} else {
  await main();
}

async function clientCase(url: string, batch: number, conc: number, seconds: number) {
  const client = new HttpClient({ url, connections: conc });
  const row = makeRow(batch);
  const hb = new HeaderBuilder({ version: 'bench' });
  const slices = [{ msg: row, from: 0, to: row.lines.length }];
  const eventIds = eventIdsOf(slices);
  let requests = 0;
  let failures = 0;
  let stopAt = 0;
  const worker = async () => {
    while (Date.now() < stopAt) {
      const body = bodyFromSlices([{ msg: row, from: 0, to: row.ends.length }], 'array').body;
      const out = await client.post(body, hb.build({ id: requestId(eventIds), slices, records: batch, attempt: 1, timestamp: String(Math.floor(Date.now() / 1000)), format: 'array' }));
      if (out.kind === 'response' && out.status === 200) requests++;
      else failures++;
    }
  };
  stopAt = Date.now() + 500; // warm-up
  await Promise.all(Array.from({ length: conc }, worker));
  requests = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  stopAt = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: conc }, worker));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  await client.close();
  return { requests: requests / secs, records: (requests * batch) / secs, cpu: (cpu.user + cpu.system) / 1e6 / secs, failures, bytes: row.body.length };
}

async function dispatcherCase(url: string, batch: number, conc: number, seconds: number) {
  const proto = makeRow(batch);
  let nextId = 1;
  let acked = 0;
  const queue: QueuePort = {
    takeDue: (max) => {
      const out: QueuedRow[] = [];
      for (let n = 0; n + batch <= Math.max(max, batch); n += batch) out.push({ ...proto, rowId: nextId++, createdAt: Date.now() });
      return out;
    },
    nextDueAt: () => 0,
    ack: (ids) => void (acked += ids.length * batch),
    settle: () => { throw new Error('unexpected settle'); },
    noteEndpoint: () => undefined,
  };
  const sink = new HttpSink({ url, version: 'bench', connections: conc, timeoutMs: 30_000, logger: silentLogger });
  const d = new Dispatcher({ sink, queue, batchSize: batch, concurrency: conc, maxBatchBytes: 16 << 20 });
  const { records, cpu } = await timedRun(d, sink, () => acked, seconds);
  return { requests: records / batch, records, cpu };
}

async function main() {
  const seconds = Number(process.argv[2] ?? 3);
  const only = process.argv[3];
  const child = fork(fileURLToPath(import.meta.url), ['receiver'], { stdio: 'inherit' });
  const port = await new Promise<number>((r) => child.once('message', (m) => r(m as number)));
  const url = `http://127.0.0.1:${port}/hook`;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`node ${process.version}, ${seconds}s per case, record ${makeRow(1).body.length} bytes, receiver in a child process`);
  if (only !== 'dispatcher') console.log('\nHttpClient (body + headers built per request):\nbatch  conc   requests/s    records/s   sender CPU');
  for (const batch of only === 'dispatcher' ? [] : [1, 100]) {
    for (const conc of [4, 8]) {
      const r = await clientCase(url, batch, conc, seconds);
      console.log(`${String(batch).padStart(5)}  ${String(conc).padStart(4)}  ${fmt(r.requests).padStart(11)}  ${fmt(r.records).padStart(11)}   ${(r.cpu * 100).toFixed(0)}%${r.failures ? `  failures ${r.failures}` : ''}`);
    }
  }
  if (only !== 'client') console.log('\nDispatcher over an in-memory queue (whole loop: take, batch, headers, POST, ack):\nbatch  conc   requests/s    records/s   sender CPU');
  for (const batch of only === 'client' ? [] : [1, 100]) {
    for (const conc of [4, 8]) {
      const r = await dispatcherCase(url, batch, conc, seconds);
      console.log(`${String(batch).padStart(5)}  ${String(conc).padStart(4)}  ${fmt(r.requests).padStart(11)}  ${fmt(r.records).padStart(11)}   ${(r.cpu * 100).toFixed(0)}%`);
    }
  }
  child.kill();
}
