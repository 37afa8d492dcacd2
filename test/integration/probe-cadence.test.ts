// The endpoint breaker's probes, seen from a real receiver: while it answers 503 with Retry-After,
// the next probe waits as long as it asked, even past the doubling cap (--retry-interval).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publishable, segment, setup } from './tail-support.js';
import { waitFor } from '../helpers/child.js';

const FAILING = 8;
/** the breaker opens at the 5th transient answer in a row */
const OPENS_AT = 4;

test('while the receiver is down, probes wait for its Retry-After (seconds or HTTP-date) beyond --retry-interval (issue 10)', { timeout: 90_000 }, async () => {
  // Retry-After alternates between delta-seconds (3) and an HTTP-date 4 s ahead (whole seconds,
  // so 3-4 s): both ask for more quiet than the 1 s cap of the probe doubling.
  const env = await setup({
    respond: (r) =>
      r.seq < FAILING
        ? { status: 503, headers: { 'retry-after': r.seq % 2 === 0 ? '3' : new Date(Date.now() + 4000).toUTCString() }, body: 'busy' }
        : { status: 200 },
  });
  try {
    segment(env, '20261201-000000.000000000', publishable(12));
    const t = env.start(['--batch-size', '1', '--concurrency', '1', '--retry-interval', '1s', '--max-retry-interval', '1m']);
    await waitFor(() => env.rx.accepted().length >= 12, { what: 'every record delivered', timeoutMs: 60_000, intervalMs: 100 });
    t.child.kill('SIGTERM');
    assert.equal((await t.done).code, 0);

    const at = env.rx.requests.map((r) => r.receivedAt);
    // the receiver's own clock: each request after the breaker opened waited for the Retry-After
    // of the answer before it (3 s, or 3-4 s for the date); 2.5 s leaves room for clock steps
    const gaps: number[] = [];
    for (let i = OPENS_AT; i < FAILING; i++) gaps.push(at[i + 1]! - at[i]!);
    for (const [k, gap] of gaps.entries()) {
      assert.ok(gap >= 2500, `probe ${k + 1} came ${gap} ms after a Retry-After of 3 s (gaps: ${gaps.join(', ')})`);
    }
    // and nothing was sent between them: one probe at a time
    assert.equal(env.rx.maxConcurrent, 1);
  } finally {
    await env.close();
  }
});
