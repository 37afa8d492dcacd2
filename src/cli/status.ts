// `loghook status`: checkpoints, queue, dead letters and endpoints of a state dir.
import { Command } from 'commander';
import type { HookStatus, Status } from '../pipeline/status.js';
import type { CheckResult, CheckThresholds } from '../pipeline/status-check.js';
import { parseCount, parseDuration } from '../config/units.js';
import { errorMessage } from '../util/errors.js';
import { defaultStateDir } from '../config/state-dir.js';
import { formatBytes, formatDuration } from '../config/units.js';
import type { CommandContext } from './context.js';
import { endpointWord } from '../pipeline/endpoint-words.js';
import { emptyDirWarning } from '../pipeline/empty-dirs.js';

export function statusCommand(ctx: CommandContext): Command {
  return new Command('status')
    .description('show checkpoints and lag per stream, queue depth, dead letters and the last error per endpoint')
    .option('--state-dir <dir>', 'the state dir of the tail to look at (default as for tail)', process.env.LOGHOOK_STATE_DIR)
    .option('--json', 'print one JSON object', false)
    .option('--check', 'a Nagios-style check: one line, exit 0 OK, 1 WARNING, 2 CRITICAL (a --max-* crossed), 3 UNKNOWN', false)
    .option('--max-lag <duration>', 'with --check: critical when a stream is further behind than this (e.g. 10m)')
    .option('--max-oldest <duration>', 'with --check: critical when a queued record is older than this (e.g. 1h)')
    .option('--max-dead <n>', 'with --check: critical when there are more dead letters than this (e.g. 0)')
    .action(async (f: StatusFlags) => {
      const now = ctx.clock.now();
      const { readStatus } = await import('../pipeline/status.js');
      if (f.check) {
        const r = await check(f, () => readStatus(f.stateDir ?? defaultStateDir(), now), now);
        ctx.stdout.write(r.line + '\n');
        ctx.exitCode = r.code;
        return;
      }
      const s = await readStatus(f.stateDir ?? defaultStateDir(), now);
      ctx.stdout.write(f.json ? JSON.stringify(s, null, 2) + '\n' : render(s, now));
    });
}

function ago(now: number, t: number | null): string {
  return t === null ? 'never' : `${age(now, t)} ago`;
}

interface StatusFlags {
  stateDir?: string;
  json: boolean;
  check: boolean;
  maxLag?: string;
  maxOldest?: string;
  maxDead?: string;
}

/** Whatever goes wrong (a bad threshold, no state dir) is the check's UNKNOWN, not a usage error. */
async function check(f: StatusFlags, read: () => Promise<Status>, now: number): Promise<CheckResult> {
  const { checkStatus, unknownCheck } = await import('../pipeline/status-check.js');
  try {
    const t: CheckThresholds = {
      ...(f.maxLag !== undefined ? { maxLagMs: parseDuration(f.maxLag, '--max-lag') } : {}),
      ...(f.maxOldest !== undefined ? { maxOldestMs: parseDuration(f.maxOldest, '--max-oldest') } : {}),
      ...(f.maxDead !== undefined ? { maxDead: parseCount(f.maxDead, '--max-dead', 0) } : {}),
    };
    return checkStatus(await read(), t, now);
  } catch (err) {
    return unknownCheck(errorMessage(err));
  }
}

function lifetimeLine(t: HookStatus['total']): string | null {
  return t && `queued ${t.queued}, delivered ${t.delivered}, retried ${t.retried}, dead ${t.dead}, expired ${t.expired}`;
}

/** Another process's clock, or this one's stepping back, must not make an age negative. */
function age(now: number, t: number): string {
  return formatDuration(Math.max(0, now - t));
}

export function render(s: Status, now: number): string {
  const out: string[] = [`state dir   ${s.stateDir}`];
  if (s.running.alive) {
    const r = s.running;
    out.push(`running     pid ${r.pid}, loghook ${r.version}${r.once ? ' --once' : ''}, up ${age(now, r.startedAt)}, to ${r.url}`);
    out.push(`            read ${r.records.read}, queued ${r.records.queued}, delivered ${r.records.delivered}, retried ${r.records.retried}, dead ${r.records.dead + r.records.expired}, filtered ${r.records.filtered}, unrouted ${r.records.unrouted}, skipped ${r.records.invalid} invalid lines; endpoints ${endpointWord(r.endpoint)}${r.paused ? `; reading paused: ${r.paused}` : ''}`);
  } else out.push(`running     no (last seen ${ago(now, s.running.lastSeen)})`);
  for (const st of s.streams) {
    out.push(`stream      ${st.stream}`);
    out.push(`  checkpoint ${st.segment === null ? 'all finished segments read' : `${st.segment} line ${st.line}`} (committed ${ago(now, st.committedAt)})`);
    if (st.error) out.push(`  listing    failed: ${st.error}`);
    else {
      const blocked = st.unreadableSegments ? `, except ${st.unreadableSegments} unreadable segment${st.unreadableSegments > 1 ? 's' : ''} not read yet` : '';
      out.push(`  behind     ${st.behind === 0 ? 'caught up' : `${st.behind} segments (${formatBytes(st.bytesBehind)} compressed)`}${blocked}; newest ${st.newest ?? '-'}`);
    }
  }
  for (const d of s.emptyDirs) out.push(`warning     ${emptyDirWarning(d)}`);
  for (const u of s.unreadable) out.push(`unreadable  ${u.path}: ${u.error} (since ${ago(now, u.since)}; not read yet)`);
  const q = s.queue;
  const inFlight = s.running.alive ? s.running.inFlight.records : 0;
  out.push(`queue       ${q.records} records (${formatBytes(q.bytes)}): ${q.dueRecords} due now, ${q.scheduledRecords} scheduled for retry, ${inFlight} in flight; oldest ${q.oldestCreatedAt === null ? '-' : age(now, q.oldestCreatedAt)}`);
  out.push(`dead        ${q.deadCount} letters${q.deadCount ? ' (loghook dead list)' : ''}`);
  const all = s.hooks.every((h) => h.total !== null) && s.hooks.length > 0 ? sumTotals(s.hooks) : null;
  if (all) out.push(`lifetime    ${lifetimeLine(all)!} (records, every run of this state dir)`);
  // One hook (the command-line form) is the queue above; several get a block each.
  if (s.hooks.length > 1 || s.hooks.some((h) => h.name !== 'default')) {
    for (const h of s.hooks) {
      const r = h.running;
      const state = h.removed ? ` (${s.running.alive ? 'removed from the configuration' : 'not in the last run\'s configuration'}: its queue waits for a re-add or loghook dead purge --hook ${h.name} --all)` : '';
      out.push(`hook        ${h.name}${state}`);
      out.push(`  queue      ${h.records} records (${formatBytes(h.bytes)}), ${h.dueRecords} due now; oldest ${h.oldestCreatedAt === null ? '-' : age(now, h.oldestCreatedAt)}; dead ${h.dead}`);
      if (h.total) out.push(`  lifetime   ${lifetimeLine(h.total)!}`);
      if (r) {
        out.push(`  this run   queued ${r.records.queued}, delivered ${r.records.delivered}, retried ${r.records.retried}, dead ${r.records.dead + r.records.expired}, filtered ${r.records.filtered}, unrouted ${r.records.unrouted}, in flight ${r.inFlight.records}`);
        out.push(`  endpoints  ${r.endpoints.count}${r.endpoints.down ? `, ${r.endpoints.down} down` : ''}${r.lastError ? `; last error ${r.lastError}` : ''}`);
        for (const e of r.endpoints.listed) out.push(`    ${e.name}: ${endpointWord(e.state)}, backlog ${e.backlog}${e.lastError ? `, last error ${e.lastError}` : ''}`);
        if (r.endpoints.more) out.push(`    ... and ${r.endpoints.more} more`);
      } else {
        for (const e of h.endpoints) if (e.endpoint !== '') out.push(`    ${e.endpoint}: backlog ${e.records}, dead ${e.dead}`);
        if (h.moreEndpoints) out.push(`    ... and ${h.moreEndpoints} more`);
      }
    }
  }
  for (const e of s.endpoints) {
    out.push(`endpoint    ${e.url}`);
    out.push(`  last ok    ${ago(now, e.lastSuccessAt)}`);
    if (e.lastError) out.push(`  last error ${e.lastError} (${ago(now, e.lastErrorAt)})`);
  }
  return out.join('\n') + '\n';
}

function sumTotals(hooks: HookStatus[]): NonNullable<HookStatus['total']> {
  const sum = { queued: 0, delivered: 0, retried: 0, dead: 0, expired: 0 };
  for (const h of hooks) for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += h.total![k];
  return sum;
}
