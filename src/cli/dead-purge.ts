// `loghook dead purge --hook NAME --all` for a hook that is no longer configured: its dead letters
// and its queued records go (issue 6). Dead letters alone need no lock and go while a tail runs;
// queued records are live work for a configured hook, so they are dropped only for a hook the
// tail no longer runs, and only by the state dir's lock holder (their body files are its to
// delete): while a tail runs, the purge is refused and nothing goes.
import { join } from 'node:path';
import { lastRunHad, readRuntime, type RuntimeInfo } from '../pipeline/runtime-file.js';
import type { Spool as SpoolType } from '../spool/spool.js';
import type { QueueInfo } from '../spool/types.js';
import { StateLockedError } from '../util/errors.js';
import { processAlive } from '../util/process-alive.js';

/** Whether a tail still runs hook `hook`, as runtime.json (the running or the last tail's) says. */
export type HookVerdict =
  | { configured: true; why: string }
  | { configured: false; running: RuntimeInfo | null };

export function hookVerdict(stateDir: string, hook: string): HookVerdict {
  const rt = readRuntime(stateDir);
  const had = lastRunHad(rt, hook);
  if (rt === null || had === null) {
    return { configured: true, why: `no tail run recorded its hooks in ${join(stateDir, 'runtime.json')}, so whether '${hook}' is still configured is unknown: run tail once with the current configuration, then purge again` };
  }
  const running = rt.stoppedAt === undefined && processAlive(rt.pid) ? rt : null;
  if (had) {
    const whose = running ? `the running tail's (pid ${rt.pid})` : `that of the last tail run (${join(stateDir, 'runtime.json')})`;
    return { configured: true, why: `hook '${hook}' is in the configuration, ${whose}: its queued records are live work. To drop them, remove the hook from the configuration, run tail once, then purge again` };
  }
  return { configured: false, running };
}

/** What the purge of a removed hook's queues says; throws StateLockedError while a tail holds the state dir. */
export async function purgeRemovedHook(stateDir: string, hook: string, queues: readonly QueueInfo[], running: RuntimeInfo | null): Promise<string> {
  const { Spool } = await import('../spool/spool.js');
  const records = queues.reduce((n, q) => n + q.records, 0);
  let spool: SpoolType;
  try {
    spool = Spool.open({ stateDir });
  } catch (err) {
    if (!(err instanceof StateLockedError)) throw err;
    throw new StateLockedError(
      `hook '${hook}' is not in the configuration, but its ${records} queued records can only be dropped by the holder of ` +
        `the state dir's lock, ${join(stateDir, 'lock.db')}, and ${running ? `the running tail (pid ${running.pid})` : 'another loghook process'} holds it: ` +
        'stop that tail, then run this again (nothing was purged; `dead purge --hook NAME --id/--older-than` purges dead letters alone while a tail runs)',
    );
  }
  try {
    const p = spool.purgeQueues(queues.map((q) => q.id));
    return `purged ${p.deadLetters} dead letters and ${p.records} queued records (${p.rows} rows) of hook '${hook}', which is not in the configuration\n`;
  } finally {
    spool.close();
  }
}
