// `loghook dead list|requeue|purge`: dead letters are never lost silently. Works while a tail
// runs: the tail picks requeued records up on its own. `purge --hook NAME --all` of a hook no
// longer configured drops its queued records too, and that needs the lock (dead-purge.ts).
import { Command, Option } from 'commander';
import type { DeadLetterStore } from '../spool/dead-letter-store.js';
import type { DeadLetter, DeadSelector } from '../spool/types.js';
import { defaultStateDir } from '../config/state-dir.js';
import { formatDuration, parseDuration } from '../config/units.js';
import { UsageError } from '../util/errors.js';
import type { CommandContext } from './context.js';

interface SelectFlags {
  stateDir?: string;
  hook?: string;
  endpoint?: string;
  id?: number[];
  olderThan?: number;
  all: boolean;
}

const stateDirOption = () => new Option('--state-dir <dir>', 'the state dir (default as for tail)').env('LOGHOOK_STATE_DIR');
const idOption = () =>
  new Option('--id <ids>', 'dead letter ids, comma-separated (from dead list)').argParser((v: string, prev: number[] = []) => {
    const ids = v.split(',').map((s) => s.trim());
    if (ids.some((s) => !/^\d+$/.test(s))) throw new UsageError(`--id: "${v}" is not a list of dead letter ids`);
    return [...prev, ...ids.map(Number)];
  });
const hookOption = () => new Option('--hook <name>', "only this hook's dead letters (needed when the state dir has several hooks)");
const endpointOption = () => new Option('--endpoint <url>', "with --hook: only this endpoint's (a resolved URL, or a route key)");
const olderOption = () => new Option('--older-than <duration>', 'dead letters that died longer ago than this (e.g. 2h, 7d)').argParser((v) => parseDuration(v, '--older-than'));

/**
 * The queues `--hook`/`--endpoint` name; without --hook, every queue when only one hook has dead
 * letters (or queues), else a usage error naming the hooks.
 */
function queuesOf(store: DeadLetterStore, f: SelectFlags, required: boolean): number[] | undefined {
  const queues = store.queues();
  if (f.endpoint !== undefined && f.hook === undefined) throw new UsageError('--endpoint goes with --hook');
  if (f.hook === undefined) {
    const withDead = new Set(queues.filter((q) => q.dead > 0).map((q) => q.hook));
    if (required && withDead.size > 1) throw new UsageError(`several hooks have dead letters (${[...withDead].sort().join(', ')}): say which with --hook`);
    return undefined;
  }
  const mine = queues.filter((q) => q.hook === f.hook && (f.endpoint === undefined || q.endpoint === f.endpoint));
  if (mine.length === 0) {
    const hooks = [...new Set(queues.map((q) => q.hook))].sort().join(', ');
    throw new UsageError(f.endpoint === undefined ? `no hook '${f.hook}' in this state dir (hooks: ${hooks})` : `hook '${f.hook}' has no endpoint ${f.endpoint}`);
  }
  return mine.map((q) => q.id);
}

function selector(f: SelectFlags, now: number, required: boolean, queueIds: number[] | undefined): DeadSelector {
  const scope = queueIds ? { queueIds } : {};
  if (f.all) return { all: true, ...scope };
  const sel: DeadSelector = { ...scope };
  if (f.id) sel.ids = f.id;
  if (f.olderThan !== undefined) sel.diedBefore = now - f.olderThan;
  if (required && !sel.ids && sel.diedBefore === undefined) throw new UsageError('say which dead letters: --id, --older-than or --all');
  return sel;
}

async function open(f: SelectFlags, ctx: CommandContext): Promise<DeadLetterStore> {
  const { DeadLetterStore } = await import('../spool/dead-letter-store.js');
  return DeadLetterStore.open({ stateDir: f.stateDir ?? defaultStateDir(), clock: ctx.clock });
}

export function deadCommand(ctx: CommandContext): Command {
  const dead = new Command('dead').description('list, requeue or purge dead letters (final failures and expired messages)');
  dead
    .command('list')
    .description('print dead letters, oldest first: one JSON object per line with --json')
    .addOption(stateDirOption())
    .addOption(hookOption())
    .addOption(endpointOption())
    .addOption(idOption())
    .addOption(olderOption())
    .option('--limit <n>', 'at most N', (v) => Number(v), 100)
    .option('--json', 'JSON lines, each with the record as kumod wrote it', false)
    .action(async (f: SelectFlags & { limit: number; json: boolean }) => {
      const now = ctx.clock.now();
      const store = await open(f, ctx);
      try {
        const queueIds = queuesOf(store, f, false);
        const sel = f.id || f.olderThan !== undefined ? selector({ ...f, all: false }, now, false, queueIds) : { all: true, ...(queueIds ? { queueIds } : {}) };
        const list = store.list({ ...sel, limit: f.limit });
        for (const d of list) ctx.stdout.write(f.json ? JSON.stringify(toJson(d)) + '\n' : line(d, now));
        if (!f.json) ctx.stdout.write(`${list.length} shown, ${store.count()} dead letters in all\n`);
      } finally {
        store.close();
      }
    });
  for (const [name, what] of [['requeue', 'queue dead letters again, due now, attempts reset'], ['purge', 'delete dead letters for good']] as const) {
    dead
      .command(name)
      .description(what)
      .addOption(stateDirOption())
      .addOption(hookOption())
      .addOption(endpointOption())
      .addOption(idOption())
      .addOption(olderOption())
      .option('--all', name === 'purge' ? 'every dead letter (of --hook); with --hook of a hook no longer configured, its queued records too (no tail may run)' : 'every dead letter (of --hook)', false)
      .action(async (f: SelectFlags) => {
        const store = await open(f, ctx);
        let kept = '';
        try {
          const queueIds = queuesOf(store, f, !f.id);
          const sel = selector(f, ctx.clock.now(), true, queueIds);
          // --hook NAME --all of a hook with queued records: they go too if no tail runs it any more
          const queued = name === 'purge' && f.all && f.hook !== undefined ? store.queues().filter((q) => queueIds!.includes(q.id)) : [];
          const records = queued.reduce((n, q) => n + q.records, 0);
          if (records > 0) {
            const stateDir = f.stateDir ?? defaultStateDir();
            const { hookVerdict, purgeRemovedHook } = await import('./dead-purge.js');
            const v = hookVerdict(stateDir, f.hook!);
            if (!v.configured) {
              store.close();
              ctx.stdout.write(await purgeRemovedHook(stateDir, f.hook!, queued, v.running));
              return;
            }
            kept = `; kept ${records} queued records: ${v.why}`;
          }
          const n = name === 'requeue' ? store.requeue(sel) : store.purge(sel);
          ctx.stdout.write(`${name === 'requeue' ? 'requeued' : 'purged'} ${n} dead letters${kept}\n`);
        } finally {
          store.close();
        }
      });
  }
  return dead;
}

function toJson(d: DeadLetter) {
  return {
    id: d.id, eventId: d.eventId, reason: d.reason, disposition: d.disposition, attempts: d.attempts,
    createdAt: new Date(d.createdAt).toISOString(), diedAt: new Date(d.diedAt).toISOString(),
    stream: d.stream, segment: d.segment, line: d.line, record: d.record.toString('utf8').replace(/\n$/, ''),
  };
}

function line(d: DeadLetter, now: number): string {
  return `${d.id}\t${d.eventId}\t${d.reason}\t${formatDuration(now - d.diedAt)} ago\t${d.segment}:${d.line}\t${d.attempts} attempts\t${d.disposition ?? ''}\n`;
}
