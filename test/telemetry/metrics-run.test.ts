// The metrics listener of a real `loghook tail` (the built binary, real segments, real receivers
// on 127.0.0.1): /metrics scraped over HTTP during the run and checked against what the receiver
// got; /healthz and /readyz while an endpoint is down and after it is back; the endpoint label cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { Receiver, type ScriptedResponse } from '../helpers/receiver.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { segmentName } from '../helpers/records.js';
import { publishable } from '../integration/tail-support.js';
import { metricsBase, probe, scrape, until } from './scrape.js';

function setupDirs() {
  const root = makeTempDir('loghook-metrics-');
  const logs = join(root.path, 'logs');
  const state = join(root.path, 'state');
  mkdirSync(logs);
  return { root, logs, state };
}

test('metrics scraped during a run count what the receiver got: read, queued, delivered, retried, requests by class', async () => {
  const { root, logs, state } = setupDirs();
  const N = 400;
  // the first two requests fail with 503 (20 records retried), every later one is slow enough to scrape mid-run
  const rx = await Receiver.start({ respond: (r) => (r.seq < 2 ? { status: 503 } : { status: 200, delayMs: 5 }) });
  const lines = publishable(N);
  writeSegment(logs, segmentName(Date.now() - 60_000), lines.slice(0, 200));
  writeSegment(logs, segmentName(Date.now() - 30_000), lines.slice(200));
  const tail = startCli(['tail', logs, '--url', rx.url, '--state-dir', state, '--log-format', 'json', '--batch-size', '10', '--concurrency', '2',
    '--retry-interval', '100ms', '--max-retry-interval', '200ms', '--metrics-listen', '127.0.0.1:0']);
  try {
    const base = await until('the metrics line', () => metricsBase(tail.stderr()));
    let last = -1;
    let scrapes = 0;
    // scrape while delivering: the counters only grow and never pass what was read
    const final = await until('every record delivered', async () => {
      const m = await scrape(base);
      scrapes++;
      const delivered = m.value('loghook_records_delivered_total', { hook: 'default' });
      assert.ok(delivered >= last, `delivered went from ${last} to ${delivered}`);
      assert.ok(delivered <= N);
      last = delivered;
      return delivered === N && m.value('loghook_queue_records', { hook: 'default' }) === 0 ? m : null;
    });
    assert.ok(scrapes > 1);
    const accepted = rx.accepted();
    assert.equal(rx.records({ acceptedOnly: true }).length, N);
    assert.equal(final.value('loghook_records_read_total'), N);
    assert.equal(final.value('loghook_records_queued_total', { hook: 'default' }), N);
    assert.equal(final.value('loghook_records_retried_total', { hook: 'default' }), 20);
    assert.equal(final.value('loghook_records_dead_total', { hook: 'default' }), 0);
    assert.equal(final.value('loghook_segments_read_total'), 2);
    assert.equal(final.value('loghook_read_bytes_total'), lines.reduce((n, l) => n + Buffer.byteLength(l), 0));
    // per endpoint: the hook's own url, masked as status shows it
    const ep = { hook: 'default', endpoint: rx.url };
    assert.equal(final.value('loghook_endpoint_records_delivered_total', ep), N);
    assert.equal(final.value('loghook_endpoint_records_queued_total', ep), N);
    assert.equal(final.value('loghook_endpoint_state', { ...ep, state: 'healthy' }), 1);
    // requests: as many answered as the receiver answered, by class
    assert.equal(final.value('loghook_responses_total', { hook: 'default', class: '2xx' }), accepted.length);
    assert.equal(final.value('loghook_responses_total', { hook: 'default', class: '5xx' }), 2);
    assert.equal(final.value('loghook_request_duration_seconds_count', { hook: 'default' }), rx.requests.length);
    assert.equal(final.value('loghook_request_duration_seconds_bucket', { hook: 'default', le: '+Inf' }), rx.requests.length);
    assert.ok(final.value('loghook_stream_lag_seconds') >= 0);
    assert.equal(final.value('loghook_queue_oldest_age_seconds', { hook: 'default' }), 0);
    assert.ok(final.has('process_cpu_user_seconds_total') && final.has('nodejs_eventloop_lag_seconds'), 'process metrics');
    assert.equal((await probe(base, '/healthz')).status, 200);
    assert.equal((await fetch(`${base}/other`)).status, 404);
  } finally {
    tail.child.kill('SIGTERM');
    await tail.done;
    await rx.close();
    root.cleanup();
  }
});

test('/readyz answers 503 naming the hook while every endpoint of it is down, and 200 once it is back; /healthz stays 200', async () => {
  const { root, logs, state } = setupDirs();
  let down = true;
  const rx = await Receiver.start({ respond: (): ScriptedResponse => (down ? { status: 503 } : { status: 200 }) });
  writeSegment(logs, segmentName(Date.now() - 10_000), publishable(50));
  const config = join(root.path, 'loghook.toml');
  writeFileSync(config, `state_dir = "${state}"\n[source]\nlog_dirs = ["${logs}"]\n[metrics]\nlisten = "127.0.0.1:0"\nready_max_down = "0s"\n` +
    `[[hook]]\nname = "events"\nurl = "${rx.url}"\nbatch_size = 10\nretry_interval = "100ms"\nmax_retry_interval = "200ms"\n`);
  const tail = startCli(['tail', '--config', config, '--log-format', 'json']);
  try {
    const base = await until('the metrics line', () => metricsBase(tail.stderr()));
    const notReady = await until('readyz 503', async () => {
      const r = await probe(base, '/readyz');
      return r.status === 503 ? r : null;
    });
    assert.match(notReady.text, /^hook 'events': its endpoint down for .* \(ready_max_down is 0ms\)$/);
    assert.equal((await probe(base, '/healthz')).status, 200);
    const m = await scrape(base);
    assert.equal(m.value('loghook_endpoints', { hook: 'events', state: 'healthy' }), 0);
    assert.equal(m.value('loghook_endpoints', { hook: 'events' }), 1);
    assert.ok(m.value('loghook_queue_records', { hook: 'events' }) > 0);
    down = false;
    await until('readyz 200', async () => (await probe(base, '/readyz')).status === 200);
    assert.equal((await probe(base, '/readyz')).text, 'ready');
    await until('everything delivered', async () => (await scrape(base)).value('loghook_records_delivered_total', { hook: 'events' }) === 50);
    assert.equal(rx.records({ acceptedOnly: true }).length, 50);
  } finally {
    tail.child.kill('SIGTERM');
    await tail.done;
    await rx.close();
    root.cleanup();
  }
});

test('a hook with more than 100 endpoints keeps the first 100 as labels and sums the rest as endpoint="other"', async () => {
  const { root, logs, state } = setupDirs();
  const rx = await Receiver.start();
  const TENANTS = 130;
  const lines = publishable(TENANTS * 2).map((l, i) => {
    const r = JSON.parse(l) as { meta?: Record<string, unknown> };
    r.meta = { ...r.meta, tenant: `t${i % TENANTS}` };
    return JSON.stringify(r) + '\n';
  });
  writeSegment(logs, segmentName(Date.now() - 10_000), lines);
  const config = join(root.path, 'loghook.toml');
  writeFileSync(config, `state_dir = "${state}"\n[source]\nlog_dirs = ["${logs}"]\n[metrics]\nlisten = "127.0.0.1:0"\n` +
    `[[hook]]\nname = "tenants"\nurl = "${rx.url}/{meta.tenant}"\nconcurrency = 1\n`);
  const tail = startCli(['tail', '--config', config, '--log-format', 'json']);
  try {
    const base = await until('the metrics line', () => metricsBase(tail.stderr()));
    const m = await until('every record delivered', async () => {
      const s = await scrape(base);
      return s.value('loghook_records_delivered_total', { hook: 'tenants' }) === TENANTS * 2 ? s : null;
    });
    assert.equal(new Set(rx.accepted().map((r) => r.url)).size, TENANTS);
    const series = m.of('loghook_endpoint_records_delivered_total', { hook: 'tenants' });
    assert.equal(series.length, 101);
    const other = series.filter((s) => s.labels.endpoint === 'other');
    assert.equal(other.length, 1);
    assert.equal(other[0]!.value, (TENANTS - 100) * 2);
    assert.equal(series.reduce((n, s) => n + s.value, 0), TENANTS * 2);
    for (const s of series) if (s.labels.endpoint !== 'other') assert.match(s.labels.endpoint!, /\/hook\/t\d+$/);
    // the state gauge of `other` counts its endpoints
    assert.equal(m.value('loghook_endpoint_state', { hook: 'tenants', endpoint: 'other', state: 'healthy' }), TENANTS - 100);
    assert.equal(m.value('loghook_endpoints', { hook: 'tenants', state: 'healthy' }), TENANTS);
  } finally {
    tail.child.kill('SIGTERM');
    await tail.done;
    await rx.close();
    root.cleanup();
  }
});
