// Drives crash-child.js: SIGKILLed `kills` times at random moments while it queues and publishes,
// then run to the end. Used by the AMQP and NATS crash tests.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { spawnNode, waitFor } from '../helpers/child.js';
import { seededRandom } from '../helpers/manual-clock.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
export const CRASH_SEGMENT_KEY = 'c0ffeec0ffeec0ff';

export async function killAndRestart(args: string[], kills: number, seed = 7): Promise<{ kills: number; froms: number[] }> {
  const rand = seededRandom(seed);
  const froms: number[] = [];
  let done = 0;
  for (let k = 0; k < kills; k++) {
    const c = spawnNode(CHILD, args);
    await waitFor(() => c.stdout.includes('"from"') || c.process.exitCode !== null, { timeoutMs: 20_000, what: 'the child started' });
    froms.push(JSON.parse(c.stdout.split('\n')[0]!).from as number);
    await new Promise((r) => setTimeout(r, 150 + Math.floor(rand() * 600)));
    c.process.kill('SIGKILL');
    const exit = await c.exited;
    assert.equal(exit.signal, 'SIGKILL', `run ${k + 1} ended before the kill: ${c.stderr}`);
    done++;
  }
  const last = spawnNode(CHILD, args);
  const exit = await last.exited;
  assert.equal(exit.code, 0, `the last run failed: ${last.stderr}`);
  const end = last.stdout.trim().split('\n').map((l) => JSON.parse(l) as { done?: boolean; dead?: number });
  assert.deepEqual(end.at(-1), { done: true, dead: 0 });
  return { kills: done, froms };
}

/** One stored message as the broker gave it back. */
export interface StoredMessage {
  key: string;
  body: Buffer;
  /** message_id / Nats-Msg-Id */
  id: string | undefined;
  /** loghook-event-ids / Loghook-Event-Ids (several records) */
  eventIds: string | undefined;
}

const TYPES = ['Delivery', 'Bounce', 'TransientFailure'];

/**
 * How many times each record of 0..total-1 was stored, checking every copy on the way: it lies
 * under the key its own type renders (`<prefix>.<type>`), and it is named by its own event id
 * (the message id of a single record, its place in the id list of several).
 */
export function copiesPerRecord(messages: readonly StoredMessage[], total: number, prefix: string): { missing: number[]; twice: number[]; duplicates: number } {
  const count = new Array<number>(total).fill(0);
  for (const m of messages) {
    const recs = [JSON.parse(m.body.toString()) as { n: number } | { n: number }[]].flat();
    const ids = recs.length === 1 ? [m.id] : (m.eventIds ?? '').split(',');
    assert.equal(ids.length, recs.length, 'one event id per record of a message');
    for (const [j, { n }] of recs.entries()) {
      assert.equal(ids[j], `${CRASH_SEGMENT_KEY}-${n}`, `record ${n} is named by its event id`);
      assert.equal(m.key, `${prefix}.${TYPES[n % TYPES.length]}`, `record ${n} is under its own key`);
      count[n]!++;
    }
  }
  const missing = [];
  const twice = [];
  for (let n = 0; n < total; n++) {
    if (count[n] === 0) missing.push(n);
    if (count[n]! > 1) twice.push(n);
  }
  return { missing, twice, duplicates: count.reduce((a, c) => a + Math.max(0, c - 1), 0) };
}
