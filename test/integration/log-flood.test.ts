// A flaky receiver must not flood the log: a real tail against a real receiver that fails 30% of
// requests logs the first failure of each kind, a summary per interval, and a line per back-off
// and recovery at most once per interval (issue 10: 11,921 lines for 20 k records before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publishable, segment, setup } from './tail-support.js';
import { waitFor } from '../helpers/child.js';
import { logLines } from '../helpers/cli.js';
import { seededRandom } from '../helpers/manual-clock.js';
import { Receiver } from '../helpers/receiver.js';

const RECORDS = 3000;
const SUMMARY_S = 30;

test('a receiver failing 30% of requests gets a handful of log lines, and the summaries count every failure (issue 10)', { timeout: 240_000 }, async () => {
  const rand = seededRandom(7);
  const env = await setup({ respond: () => (rand() < 0.3 ? { status: 503, body: 'flaky' } : { status: 200 }) });
  try {
    const lines = publishable(RECORDS);
    segment(env, '20261201-000000.000000000', lines.slice(0, RECORDS / 2));
    segment(env, '20261201-000100.000000000', lines.slice(RECORDS / 2));
    const started = Date.now();
    const t = env.start(['--batch-size', '1', '--concurrency', '4', '--retry-interval', '100ms', '--max-retry-interval', '500ms']);
    const delivered = () => new Set(env.rx.accepted().flatMap((q) => Receiver.parseBody(q).map((r) => JSON.stringify(r)))).size;
    await waitFor(() => delivered() >= RECORDS, { what: 'every record delivered', timeoutMs: 200_000, intervalMs: 200 });
    t.child.kill('SIGTERM');
    const r = await t.done;
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const elapsedS = (Date.now() - started) / 1000;

    const failed = env.rx.requests.filter((q) => q.response.status === 503).length;
    assert.ok(failed > RECORDS * 0.2, `the receiver failed ${failed} requests`);
    const log = logLines(r.stderr);
    // per interval at most: a back-off, a recovery, a failure summary, the periodic status
    // summary; plus the first failure, start and stop lines
    const intervals = Math.ceil(elapsedS / SUMMARY_S) + 1;
    assert.ok(log.length <= 8 + 4 * intervals, `${log.length} log lines in ${elapsedS.toFixed(0)} s for ${failed} failed requests:\n${log.map((l) => l.msg).join('\n')}`);
    assert.equal(log.filter((l) => l.msg === 'receiver accepts records again').length, 0, 'recovery is one line, the breaker\'s');

    // nothing is hidden: the first-failure lines and the summaries add up to every 503 answered
    const first = log.filter((l) => l.msg === 'delivery failed, will retry').length;
    const summarized = log
      .filter((l) => l.msg.startsWith('delivery failures in the last'))
      .reduce((n, l) => n + ((l['failures'] as Record<string, number>)['retry status:503'] ?? 0), 0);
    assert.ok(first >= 1);
    assert.equal(first + summarized, failed);
    process.stderr.write(`log flood: ${log.length} log lines in ${elapsedS.toFixed(0)} s, ${failed} failed requests, ${RECORDS} records\n`);
    const backOffs = log.filter((l) => l.msg.startsWith('receiver unavailable')).length;
    const recoveries = log.filter((l) => l.msg.startsWith('receiver is back')).length;
    assert.ok(recoveries <= backOffs, `${recoveries} recoveries for ${backOffs} back-offs`);
  } finally {
    await env.close();
  }
});
