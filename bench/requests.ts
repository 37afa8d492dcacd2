// Benchmark (a script, not a test): what requests receivers trust cost the sender. The whole
// Dispatcher loop over an in-memory queue that always has due rows, to a receiver in a child
// process (its own core), plain HTTP against HTTPS with Standard Webhooks signing and gzip.
//   node dist/bench/requests.js [seconds per case, default 3] [rounds, default 3]
// The cases run in rounds, one after another, and each case's best round is reported: on a
// machine shared with other work, the best round is the one least disturbed, and the ratios
// compare cases measured in the same run.
// Goals (issue 7): HTTPS + signing + gzip at batch 100 >= 0.6x plain HTTP at batch 100;
// HTTPS at batch 1 over keep-alive >= 15k records/s; a `template` body at batch 100 >= 0.5x raw,
// a `fields` body >= 0.6x raw (plain HTTP, the same run).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { HttpSink, type HttpSinkOptions } from '../src/sinks/http/sink.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { Dispatcher } from '../src/deliver/dispatcher.js';
import type { QueuePort } from '../src/deliver/queue-port.js';
import type { QueuedRow } from '../src/spool/types.js';
import { makePki } from '../test/sinks/http/certs.js';
import { recordLines } from '../test/helpers/records.js';
import { createBodyShaper } from '../src/body/shaper.js';
import { timedRun } from './dispatch-support.js';

// Distinct records from the kumo-sim generator: repeating one line would let gzip shrink a batch
// 100-fold and cost nothing, which no real batch does (these shrink ~7x).
const LINES = recordLines(1000, 7).map((l) => Buffer.from(l + '\n'));

function makeRow(records: number, rowId: number): QueuedRow {
  const parts = Array.from({ length: records }, (_, i) => LINES[(rowId * records + i) % LINES.length]!);
  const body = Buffer.concat(parts);
  const ends = new Uint32Array(records);
  let end = 0;
  parts.forEach((p, i) => (ends[i] = end += p.length));
  return {
    rowId, queueId: 1, starts: null, stream: 's', segment: 'seg', segmentKey: '0123456789abcdef', lines: Uint32Array.from({ length: records }, (_, i) => rowId * records + i),
    body, ends, createdAt: Date.now(), attempts: 0, dueAt: 0, disposition: null,
  };
}

async function dispatcherCase(url: string, batch: number, conc: number, seconds: number, extra: Partial<HttpSinkOptions>) {
  let nextId = 1;
  let acked = 0;
  let failures = 0;
  const rowRecords = Math.max(batch, 100);
  const queue: QueuePort = {
    takeDue: (max) => {
      const out: QueuedRow[] = [];
      for (let n = 0; n < Math.max(max, 1); n += rowRecords) out.push(makeRow(rowRecords, nextId++));
      return out;
    },
    nextDueAt: () => 0,
    ack: (ids) => void (acked += ids.length * rowRecords),
    // settled rows: rows sent in part when the case stops (fine), or a failed request (not)
    settle: (_msg, results) => {
      for (const r of results) if (r.kind === 'delivered') acked++;
      else if (r.kind !== 'unsent') failures++;
    },
    noteEndpoint: () => undefined,
  };
  const sink = new HttpSink({ url, version: 'bench', connections: conc, timeoutMs: 30_000, logger: silentLogger, ...extra });
  const d = new Dispatcher({ sink, queue, batchSize: batch, concurrency: conc, maxBatchBytes: 16 << 20 });
  const r = await timedRun(d, sink, () => acked, seconds);
  if (failures > 0) throw new Error(`${failures} records failed`);
  return r;
}

async function receiver(args: string[]): Promise<{ port: number; kill(): void }> {
  const child = fork(fileURLToPath(import.meta.url), ['receiver', ...args], { stdio: 'inherit' });
  const port = await new Promise<number>((r) => child.once('message', (m) => r(m as number)));
  return { port, kill: () => void child.kill() };
}

async function main() {
  const seconds = Number(process.argv[2] ?? 3);
  const rounds = Number(process.argv[3] ?? 3);
  const pki = makePki();
  const http = await receiver([]);
  const https = await receiver([pki.server.certFile, pki.server.keyFile]);
  const plainUrl = `http://127.0.0.1:${http.port}/hook`;
  const tlsUrl = `https://127.0.0.1:${https.port}/hook`;
  const secure: Partial<HttpSinkOptions> = { caFile: pki.caFile, signingSecrets: ['whsec_' + randomBytes(32).toString('base64')] };
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const avg = Math.round(LINES.reduce((n, l) => n + l.length, 0) / LINES.length);
  console.log(`node ${process.version}, ${seconds}s per case, best of ${rounds} rounds, distinct records of ${avg} bytes on average, receiver in a child process, whole Dispatcher loop`);
  console.log('CPU µs/record is the sender\'s CPU time per record: on a shared machine it varies less than records/s\n');
  console.log('case'.padEnd(48) + 'batch  conc    records/s   sender CPU   CPU µs/record');
  // what a receiver of a slimmer record would configure; a KumoMTA per_record template
  const fieldsBody = { shaper: createBodyShaper({ mode: 'fields', fields: ['type', 'id', 'recipient', 'queue', 'response', 'meta.tenant', 'timestamp'], rename: { 'meta.tenant': 'tenant' }, add: { node: 'mta1' } }, 'array') };
  const templateBody = { shaper: createBodyShaper({ mode: 'template', template: '{"event": {{ type | tojson }}, "to": {{ recipient | tojson }}, "code": {{ response.code }}, "tenant": {{ meta.tenant | default("none") | tojson }}, "at": {{ timestamp }}}' }, 'array') };
  const wholeBody = { shaper: createBodyShaper({ mode: 'template', template: '{{ log_record | tojson }}' }, 'array') };
  const envelope = { shaper: createBodyShaper({ mode: 'raw' }, 'envelope') };
  const cases: [string, string, number, number, Partial<HttpSinkOptions>][] = [
    ['http', plainUrl, 100, 4, {}],
    ['http, body = "fields" (7 fields, rename, add)', plainUrl, 100, 4, fieldsBody],
    ['http, body = "template" (5 fields)', plainUrl, 100, 4, templateBody],
    ['http, template {{ log_record | tojson }}', plainUrl, 100, 4, wholeBody],
    ['http, batch_format = "envelope"', plainUrl, 100, 4, envelope],
    ['https + Standard Webhooks signing + gzip', tlsUrl, 100, 4, { ...secure, compression: 'gzip' }],
    ['https + Standard Webhooks signing + zstd', tlsUrl, 100, 4, { ...secure, compression: 'zstd' }],
    ['https + Standard Webhooks signing', tlsUrl, 100, 4, secure],
    ['http', plainUrl, 1, 4, {}],
    ['https (keep-alive)', tlsUrl, 1, 4, { caFile: pki.caFile }],
    ['https (keep-alive)', tlsUrl, 1, 8, { caFile: pki.caFile }],
    ['https + Standard Webhooks signing', tlsUrl, 1, 8, secure],
  ];
  const results: number[] = cases.map(() => 0);
  const costs: number[] = cases.map(() => Infinity);
  const cpus: number[] = cases.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    for (const [i, [, url, batch, conc, extra]] of cases.entries()) {
      const r = await dispatcherCase(url, batch, conc, seconds, extra);
      if (r.records > results[i]!) [results[i], cpus[i]] = [r.records, r.cpu];
      costs[i] = Math.min(costs[i]!, (r.cpu * 1e6) / r.records);
    }
  }
  for (const [i, [name, , batch, conc]] of cases.entries()) {
    console.log(`${name.padEnd(46)} ${String(batch).padStart(6)} ${String(conc).padStart(5)}  ${fmt(results[i]!).padStart(11)}   ${`${(cpus[i]! * 100).toFixed(0)}%`.padStart(10)}   ${costs[i]!.toFixed(1).padStart(13)}`);
  }
  const ratio = (i: number, goal: string) => `${(results[i]! / results[0]!).toFixed(2)}x in records/s, ${(costs[0]! / costs[i]!).toFixed(2)}x in CPU per record (goal >= ${goal})`;
  console.log(`\nfields / raw at batch 100: ${ratio(1, '0.6x')}`);
  console.log(`template / raw at batch 100: ${ratio(2, '0.5x')}`);
  console.log(`{{ log_record | tojson }} / raw at batch 100: ${ratio(3, 'none')}`);
  console.log(`https + signing + gzip / http at batch 100: ${ratio(5, '0.6x')}`);
  console.log(`https at batch 1, keep-alive: ${fmt(Math.max(results[9]!, results[10]!))} records/s (goal >= 15,000)`);
  http.kill();
  https.kill();
  pki.cleanup();
}

if (process.argv[2] === 'receiver') {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    req.on('data', () => undefined);
    req.on('end', () => res.end('ok'));
  };
  const [cert, key] = [process.argv[3], process.argv[4]];
  const srv = cert && key ? createHttps({ cert: readFileSync(cert), key: readFileSync(key) }, handler) : createHttp(handler);
  srv.keepAliveTimeout = 60_000;
  srv.listen(0, '127.0.0.1', () => process.send!((srv.address() as AddressInfo).port));
} else {
  await main();
}
