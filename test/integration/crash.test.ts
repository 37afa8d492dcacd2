// Crash safety with real processes: a writer appends to live segments while `loghook tail` runs;
// tail is SIGKILLed at random moments (mid-commit, mid-request, anywhere) and restarted. In the
// end the receiver must hold every record at least once, and a record may arrive twice only if
// its first copy was sent just before a kill (in flight, or delivered but not yet acknowledged on
// disk), under the same event id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setup } from './tail-support.js';
import { spawnNode, waitFor } from '../helpers/child.js';
import { seededRandom } from '../helpers/manual-clock.js';
import { Receiver } from '../helpers/receiver.js';

const WRITER = resolve(fileURLToPath(new URL('.', import.meta.url)), '../helpers/kumo-writer.js');
const KILLS = 24;
/** how long before a kill a request may have been sent and still legitimately be sent again */
const IN_FLIGHT_WINDOW_MS = 1500;

test(`tail SIGKILLed ${KILLS} times while kumod writes: every record arrives, duplicates only of what was in flight, with the same id`, { timeout: 180_000 }, async () => {
  const rand = seededRandom(42);
  const env = await setup({ respond: () => ({ status: 200, delayMs: Math.floor(rand() * 40) }) });
  const expectFile = join(env.state.path, '..', `expect-${process.pid}.jsonl`);
  const writer = spawnNode(WRITER, ['--dir', env.logs.path, '--records', '24000', '--rate', '2500', '--segment-records', '3000', '--block-bytes', '32768', '--expect', expectFile]);
  const kills: number[] = [];
  try {
    let writerDone = false;
    void writer.exited.then(() => (writerDone = true));
    while (kills.length < KILLS || !writerDone) {
      const t = env.start(['--batch-size', '20', '--concurrency', '4', '--retry-interval', '100ms']);
      await new Promise((r) => setTimeout(r, 150 + Math.floor(rand() * 500)));
      t.child.kill('SIGKILL');
      kills.push(Date.now());
      const r = await t.done;
      assert.equal(r.signal, 'SIGKILL', `run ${kills.length} ended before the kill: ${r.stderr}`);
    }
    assert.equal((await writer.exited).code, 0, writer.stderr);
    const expected = readFileSync(expectFile, 'utf8').split(/(?<=\n)/).filter((l) => !l.includes('"reception_protocol":"LogRecord"'));
    assert.ok(expected.length > 20000);

    const last = env.start(['--batch-size', '20', '--retry-interval', '100ms']);
    const received = () => new Set(env.rx.accepted().flatMap((q) => Receiver.parseBody(q).map((r) => JSON.stringify(r) + '\n')));
    await waitFor(() => received().size >= expected.length, { what: 'every record received', timeoutMs: 60_000, intervalMs: 200 });
    last.child.kill('SIGTERM');
    assert.equal((await last.done).code, 0);

    // every record, at least once
    const got = received();
    const missing = expected.filter((l) => !got.has(l));
    assert.equal(missing.length, 0, `${missing.length} records never arrived`);

    // one id per record, whatever copy; duplicates only near a kill
    const idOf = new Map<string, string>();
    const firstAt = new Map<string, number>();
    let duplicates = 0;
    for (const q of env.rx.accepted()) {
      const ids = Receiver.eventIdsOf(q);
      const recs = Receiver.parseBody(q).map((r) => JSON.stringify(r));
      assert.equal(ids.length, recs.length);
      recs.forEach((rec, i) => {
        const id = ids[i]!;
        const seen = idOf.get(rec);
        if (seen === undefined) {
          idOf.set(rec, id);
          firstAt.set(rec, q.receivedAt);
          return;
        }
        duplicates++;
        assert.equal(id, seen, 'a duplicate carries the event id of its first copy');
        const first = firstAt.get(rec)!;
        assert.ok(kills.some((k) => first <= k && k - first <= IN_FLIGHT_WINDOW_MS), `a duplicate whose first copy (at ${first}) was not sent just before a kill`);
      });
    }
    const st = JSON.parse((await env.cli(['status', '--json', '--state-dir', env.state.path])).stdout.toString());
    assert.equal(st.queue.records, 0);
    assert.equal(st.queue.deadCount, 0);
    process.stderr.write(`crash test: ${kills.length} kills, ${expected.length} records, ${duplicates} duplicates\n`);
  } finally {
    writer.process.kill('SIGKILL');
    await writer.exited.catch(() => undefined);
    await env.close();
  }
});
