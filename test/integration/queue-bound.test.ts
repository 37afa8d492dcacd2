// --max-queue holds within one read batch: a real tail, a receiver that refuses everything, more
// records on disk than the limit (issue 10: --max-queue 1000 held up to 7,610 records).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publishable, segment, setup } from './tail-support.js';
import { waitFor } from '../helpers/child.js';
import { logLines } from '../helpers/cli.js';

const LIMIT = 1000;
/** the reader's buffer: one read batch is the lines of at most this many bytes */
const READ_BYTES = 256 * 1024;

test('--max-queue 1000 holds the queue within one read batch of the limit, and the warning names the limit (issue 10)', { timeout: 120_000 }, async () => {
  const env = await setup({ respond: () => ({ status: 503, body: 'down' }) });
  try {
    const lines = publishable(8000);
    for (let s = 0; s < 4; s++) segment(env, `20261201-00${s}000.000000000`, lines.slice(s * 2000, (s + 1) * 2000));
    const slack = Math.ceil(READ_BYTES / Math.min(...lines.map((l) => Buffer.byteLength(l))));
    const t = env.start(['--max-queue', String(LIMIT), '--batch-size', '10', '--retry-interval', '10m']);
    await waitFor(() => logLines(t.stderr()).some((l) => l.msg.startsWith('queue full')), { what: 'the queue-full warning', timeoutMs: 60_000, intervalMs: 100 });
    // the reader stays paused: nothing is delivered, the queue cannot drain
    await new Promise((r) => setTimeout(r, 2000));
    const st = JSON.parse((await env.cli(['status', '--json', '--state-dir', env.state.path])).stdout.toString()) as { queue: { records: number } };
    t.child.kill('SIGTERM');
    const r = await t.done;
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    process.stderr.write(`queue bound: --max-queue ${LIMIT} holds ${st.queue.records} records (slack allowed ${slack})\n`);
    assert.ok(st.queue.records >= LIMIT, `${st.queue.records} queued: reading paused before the limit`);
    assert.ok(st.queue.records <= LIMIT + slack, `${st.queue.records} queued for --max-queue ${LIMIT} (one read batch is at most ${slack} records)`);
    const full = logLines(r.stderr).filter((l) => l.msg.startsWith('queue full'));
    assert.equal(full.length, 1);
    assert.match(full[0]!.msg, /--max-queue 1000 records\)/);
  } finally {
    await env.close();
  }
});
