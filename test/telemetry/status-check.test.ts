// `loghook status --check` and the lifetime counters of `status`, from real state dirs made by
// real `tail --once` runs (the built binary, real segments, a real receiver), with no tail running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { Receiver, type ReceiverOptions } from '../helpers/receiver.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { segmentName } from '../helpers/records.js';
import { publishable } from '../integration/tail-support.js';
import type { Status } from '../../src/pipeline/status.js';

const HOUR = 3_600_000;

async function withRun(rxOpts: ReceiverOptions, f: (e: { logs: string; state: string; rx: Receiver; once(): Promise<number | null>; check(...args: string[]): Promise<{ code: number | null; line: string }> }) => Promise<void>) {
  const root = makeTempDir('loghook-check-');
  const logs = join(root.path, 'logs');
  const state = join(root.path, 'state');
  mkdirSync(logs);
  const rx = await Receiver.start(rxOpts);
  try {
    await f({
      logs,
      state,
      rx,
      once: async () => (await runCli(['tail', logs, '--once', '--url', rx.url, '--state-dir', state, '--log-format', 'json', '--batch-size', '10', '--retry-interval', '1h'])).code,
      check: async (...args) => {
        const r = await runCli(['status', '--state-dir', state, '--check', ...args]);
        const out = r.stdout.toString();
        assert.equal(out.split('\n').filter(Boolean).length, 1, `one line: ${out}`);
        return { code: r.code, line: out.trim() };
      },
    });
  } finally {
    await rx.close();
    root.cleanup();
  }
}

test('--max-lag: critical (2) when a stream is further behind than it, OK (0) within it and once caught up', async () => {
  await withRun({}, async ({ logs, once, check }) => {
    const t0 = Date.now() - 3 * HOUR;
    writeSegment(logs, segmentName(t0), publishable(20));
    assert.equal(await once(), 0);
    // kumod wrote two more segments since: an hour's worth is not read yet
    writeSegment(logs, segmentName(t0 + HOUR), publishable(20, 2));
    writeSegment(logs, segmentName(t0 + 2 * HOUR), publishable(20, 3));
    const behind = await check('--max-lag', '30m');
    assert.equal(behind.code, 2);
    assert.match(behind.line, /^LOGHOOK CRITICAL - \S+\/\* is (1h|60m|59\.\dm) behind \(max 30m\) \| lag=\d+(\.\d+)?s;;1800 /);
    const within = await check('--max-lag', '2h');
    assert.equal(within.code, 0);
    assert.match(within.line, /^LOGHOOK OK - lag /);
    assert.equal(await once(), 0);
    const caughtUp = await check('--max-lag', '1s');
    assert.equal(caughtUp.code, 0);
    assert.match(caughtUp.line, /^LOGHOOK OK - lag 0ms, .* \| lag=0s;;1 /);
  });
});

test('--max-dead: critical (2) with more dead letters than it, OK (0) with as many', async () => {
  await withRun({ defaultResponse: { status: 400 } }, async ({ logs, once, check }) => {
    writeSegment(logs, segmentName(Date.now() - 60_000), publishable(30));
    assert.equal(await once(), 11);
    const over = await check('--max-dead', '0');
    assert.equal(over.code, 2);
    assert.match(over.line, /^LOGHOOK CRITICAL - 30 dead letters \(max 0\); loghook dead list \| .* dead=30;;0 /);
    const atLimit = await check('--max-dead', '30');
    assert.equal(atLimit.code, 0);
    assert.match(atLimit.line, /^LOGHOOK OK - .*30 dead letters/);
  });
});

test('--max-oldest: critical (2) when a queued record is older than it, OK (0) when none is', async () => {
  await withRun({ defaultResponse: { status: 503 } }, async ({ logs, once, check }) => {
    writeSegment(logs, segmentName(Date.now() - 60_000), publishable(30));
    const code = await once();
    assert.ok(code === 10 || code === 12, `exit ${code}`);
    const young = await check('--max-oldest', '1h');
    assert.equal(young.code, 0);
    assert.match(young.line, /^LOGHOOK OK - .*30 queued \| /);
    const old = await check('--max-oldest', '1ms');
    assert.equal(old.code, 2);
    assert.match(old.line, /^LOGHOOK CRITICAL - oldest queued record \S+ old \(max 1ms\) in hook 'default' \| /);
  });
});

test('--check of a dir with no state, or with a bad threshold, is UNKNOWN (3)', async () => {
  const root = makeTempDir('loghook-check-');
  try {
    const none = await runCli(['status', '--state-dir', join(root.path, 'nothing'), '--check']);
    assert.equal(none.code, 3);
    assert.match(none.stdout.toString(), /^LOGHOOK UNKNOWN - .*holds no queue\.db/);
    const bad = await runCli(['status', '--state-dir', root.path, '--check', '--max-lag', 'soon']);
    assert.equal(bad.code, 3);
    assert.match(bad.stdout.toString(), /^LOGHOOK UNKNOWN - --max-lag: /);
  } finally {
    root.cleanup();
  }
});

test('status shows each hook\'s lifetime counters from the state dir with no tail running, summed over runs', async () => {
  let n = 0;
  // requests 1 and 2 fail and their records are retried (in this run or, if it ends with the
  // endpoint down, the next one); request 3 is refused for good
  await withRun({ respond: () => (++n <= 2 ? { status: 503 } : n === 3 ? { status: 422 } : { status: 200 }) }, async ({ logs, state, rx }) => {
    const run = () => runCli(['tail', logs, '--once', '--url', rx.url, '--state-dir', state, '--log-format', 'json', '--batch-size', '10', '--retry-interval', '1ms', '--max-retry-interval', '1ms']);
    const status = async () => {
      const s = JSON.parse((await runCli(['status', '--state-dir', state, '--json'])).stdout.toString()) as Status;
      assert.equal(s.running.alive, false);
      return s;
    };
    const total = async () => (await status()).hooks.find((h) => h.name === 'default')!.total;
    writeSegment(logs, segmentName(Date.now() - 60_000), publishable(50));
    assert.equal((await run()).code, 11);
    const left = (await status()).queue.records;
    assert.deepEqual(await total(), { queued: 50, delivered: 40 - left, retried: 20, dead: 10, expired: 0 });
    writeSegment(logs, segmentName(Date.now() - 30_000), publishable(10, 2));
    assert.equal((await run()).code, 0);
    assert.deepEqual(await total(), { queued: 60, delivered: 50, retried: 20, dead: 10, expired: 0 });
    assert.equal(rx.records({ acceptedOnly: true }).length, 50);
    const text = (await runCli(['status', '--state-dir', state])).stdout.toString();
    assert.match(text, /^lifetime {4}queued 60, delivered 50, retried 20, dead 10, expired 0 /m);
  });
});
