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
