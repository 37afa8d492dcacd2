// What the benchmarks of the Dispatcher and its sinks share (http.ts, requests.ts, brokers.ts): one
// KumoMTA-like Delivery record as queued rows of it, and a timed run of a Dispatcher whose queue
// always has due rows.
import type { Dispatcher } from '../src/deliver/dispatcher.js';
import type { Sink } from '../src/deliver/sink.js';
import type { QueuedRow } from '../src/spool/types.js';

/** LINE's nodeid */
export const NODE = 'n'.repeat(36);

/** One record as kumod writes it (compact JSON + "\n"): a Delivery of tenant acme, campaign welcome. */
export const LINE = JSON.stringify({
  type: 'Delivery', id: 'a'.repeat(32), sender: 'bounce@example.com', recipient: 'user@example.net',
  queue: 'welcome:acme@example.net', site: 'unspecified->mx.example.net@smtp_client', size: 12345,
  response: { code: 250, enhanced_code: { class: 2, subject: 0, detail: 0 }, content: 'OK queued as 1234', command: '.\r\n' },
  peer_address: { name: 'mx.example.net', addr: '192.0.2.1' }, timestamp: 1700000000, created: 1699999990,
  num_attempts: 0, bounce_classification: 'Uncategorized', egress_pool: 'pool', egress_source: 'src',
  meta: { tenant: 'acme', campaign: 'welcome' }, headers: { Subject: 'hello there'.repeat(20) }, nodeid: NODE,
}) + '\n';

/** A queued row of `records` copies of LINE, lines firstLine, firstLine + 1, ... (distinct event ids). */
export function makeRow(records: number, rowId = 1, firstLine = 0): QueuedRow {
  const len = Buffer.byteLength(LINE);
  return {
    rowId, queueId: 1, starts: null, stream: 's', segment: 'seg', segmentKey: '0123456789abcdef', lines: Uint32Array.from({ length: records }, (_, i) => firstLine + i),
    body: Buffer.from(LINE.repeat(records)), ends: Uint32Array.from({ length: records }, (_, i) => (i + 1) * len),
    createdAt: Date.now(), attempts: 0, dueAt: 0, disposition: null,
  };
}

/**
 * Starts `d`, lets it warm up for 500 ms, measures `seconds`, then stops it and closes `sink`.
 * `acked()` counts the records acked so far. Returns records/s and this process's CPU share
 * (user + system seconds per second) in the measured window.
 */
export async function timedRun(d: Dispatcher, sink: Sink, acked: () => number, seconds: number): Promise<{ records: number; cpu: number }> {
  void d.start();
  await new Promise((r) => setTimeout(r, 500));
  const a0 = acked();
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const records = (acked() - a0) / secs;
  await d.stop({ timeoutMs: 5000 });
  await sink.close();
  return { records, cpu: (cpu.user + cpu.system) / 1e6 / secs };
}
