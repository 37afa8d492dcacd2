// The metrics settings' errors name the key (or the flag) and say what to do; the pure parts of
// telemetry (stream lag from segment names, answer classes) on their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { streamLagMs } from '../../src/telemetry/stream-lag.js';
import { answerClass } from '../../src/telemetry/request-meter.js';
import { DELIVERED_OUTCOME, type SinkOutcome } from '../../src/deliver/sink.js';
import { EndpointLabels } from '../../src/telemetry/endpoint-labels.js';

function configDir(metrics: string) {
  const root = makeTempDir('loghook-metrics-config-');
  const logs = join(root.path, 'logs');
  mkdirSync(logs);
  const file = join(root.path, 'loghook.toml');
  writeFileSync(file, `state_dir = "${join(root.path, 'state')}"\n[source]\nlog_dirs = ["${logs}"]\n[[hook]]\nname = "events"\nurl = "http://127.0.0.1:9/"\n[metrics]\n${metrics}`);
  return { root, logs, file };
}

test('a bad [metrics] listen or ready_max_down is a configuration error (2) naming the key and its line', async () => {
  const { root, file } = configDir('listen = "nowhere"\nready_max_down = 5\n');
  try {
    const r = await runCli(['tail', '--config', file, '--once']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /line 8: metrics\.listen: expected "host:port", e\.g\. "127\.0\.0\.1:9464", got the string "nowhere"/);
    assert.match(r.stderr, /line 9: metrics\.ready_max_down: 5 has no unit/);
    const checked = await runCli(['check', '--config', file]);
    assert.equal(checked.code, 2);
    assert.match(checked.stderr, /metrics\.listen/);
  } finally {
    root.cleanup();
  }
});

test('a bad --metrics-listen (or LOGHOOK_METRICS_LISTEN) is a usage error (2) naming the flag', async () => {
  const root = makeTempDir('loghook-metrics-config-');
  try {
    const r = await runCli(['tail', root.path, '--url', 'http://127.0.0.1:9/', '--once', '--state-dir', join(root.path, 'state'), '--metrics-listen', '127.0.0.1:99999']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--metrics-listen: expected "host:port", e\.g\. "127\.0\.0\.1:9464", got the string "127\.0\.0\.1:99999"/);
    const env = await runCli(['tail', root.path, '--url', 'http://127.0.0.1:9/', '--once', '--state-dir', join(root.path, 'state')], { LOGHOOK_METRICS_LISTEN: 'localhost' });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /--metrics-listen: expected "host:port"/);
  } finally {
    root.cleanup();
  }
});

test('a listen address in use stops tail before it reads (2), naming the key, the file and the address', async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as AddressInfo).port;
  const { root, file } = configDir(`listen = "127.0.0.1:${port}"\n`);
  try {
    const r = await runCli(['tail', '--config', file, '--once']);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`[metrics] listen of ${file} (or --metrics-listen) 127.0.0.1:${port}: cannot listen there: the address is in use`), r.stderr);
  } finally {
    busy.close();
    root.cleanup();
  }
});

const seg = (name: string, openedAtMs: number) => ({ name, path: `/logs/${name}`, openedAtMs });

test('stream lag: 0 when only the newest segment is left, else the newest write minus the opening of the segment after the oldest unread', () => {
  const list = [seg('a', 1000), seg('b', 5000), seg('c', 9000)];
  const none = () => false;
  assert.equal(streamLagMs(list, (n) => n !== 'c', 12_000), 0);
  assert.equal(streamLagMs(list, () => true, 12_000), 0);
  // reading a: its unread records were written before b opened
  assert.equal(streamLagMs(list, none, 12_000), 7000);
  assert.equal(streamLagMs(list, (n) => n === 'a', 12_000), 3000);
  // names without a time say nothing
  assert.equal(streamLagMs([seg('x', NaN), seg('y', NaN)], none, 12_000), null);
});

test('answer classes: 2xx for delivered, the status class of an HTTP answer, else the failure kind', () => {
  const failed = (failureKey: string, kind: SinkOutcome['kind']): SinkOutcome => ({ ...DELIVERED_OUTCOME, verdict: 'retry', kind, failureKey, disposition: 'x', signal: 'transient' });
  assert.equal(answerClass(DELIVERED_OUTCOME), '2xx');
  assert.equal(answerClass(failed('status:503', 'transient')), '5xx');
  assert.equal(answerClass(failed('status:404', 'rejected')), '4xx');
  assert.equal(answerClass(failed('status:301', 'config')), '3xx');
  assert.equal(answerClass(failed('error:ECONNREFUSED', 'unreachable')), 'unreachable');
  assert.equal(answerClass(failed('amqp:nack', 'transient')), 'transient');
});

test('endpoint labels: the first ones seen keep theirs for good, later ones are other', () => {
  const l = new EndpointLabels(2);
  assert.deepEqual(['a', 'b', 'c', 'a', 'd', 'b'].map((n) => l.label(n)), ['a', 'b', 'other', 'a', 'other', 'b']);
});
