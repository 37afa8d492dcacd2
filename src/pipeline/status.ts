// `loghook status`: what the state dir says, plus what a running tail reports. Read-only: works
// while a tail holds the state dir.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Spool } from '../spool/spool.js';
import { listSegments } from '../source/discovery.js';
import { StreamProgress } from '../source/progress.js';
import { streamDir } from '../source/types.js';
import { lastRunHad, readRuntime, type HookRuntimeInfo, type RuntimeInfo } from './runtime-file.js';
import type { UnreadableInput } from '../source/unreadable.js';
import type { EndpointState, LifetimeCounts, QueueInfo, QueueStatus } from '../spool/types.js';
import { redactUrl } from '../telemetry/logger.js';
import { emptyLogDirs } from './empty-dirs.js';
import { streamLagOnDisk } from '../telemetry/stream-lag.js';
import { processAlive } from '../util/process-alive.js';

/** endpoints listed per hook: the largest backlogs */
const LISTED = 10;

export interface HookStatus {
  name: string;
  /** records queued (all its endpoints), their bytes, dead letters */
  records: number;
  bytes: number;
  dead: number;
  dueRecords: number;
  oldestCreatedAt: number | null;
  /**
   * not in the running tail's configuration, or with no tail running, not in the last run's: its
   * queue waits for a re-add or a purge
   */
  removed: boolean;
  /** what the running tail says of it */
  running: HookRuntimeInfo | null;
  /** queues ('' is the hook's own url) with the largest backlog first */
  endpoints: { endpoint: string; records: number; dead: number }[];
  moreEndpoints: number;
  /** over the life of its queues (every run), null in a state dir no tail of this version opened yet */
  total: LifetimeCounts | null;
}

export interface StreamStatus {
  stream: string;
  /** the oldest unfinished segment and the lines consumed in it (null: all listed segments done) */
  segment: string | null;
  line: number | null;
  committedAt: number;
  /** newest segment on disk in this stream */
  newest: string | null;
  /** segments on disk not yet read to their end (1 = reading the newest) */
  segmentsBehind: number;
  /** whole segments waiting after the one being read, unreadable ones left out (0: caught up), as the tail's summary says */
  behind: number;
  /** compressed bytes of the segments after the one being read */
  bytesBehind: number;
  /** of the segments behind, those the tail could not read (in `unreadable`) */
  unreadableSegments: number;
  /** how much older the records at the checkpoint are than the newest on disk (telemetry/stream-lag.ts); null: unknown */
  lagSeconds: number | null;
  /** the directory could not be listed */
  error?: string;
}

export interface Status {
  stateDir: string;
  running: (RuntimeInfo & { alive: true }) | { alive: false; lastSeen: number | null };
  streams: StreamStatus[];
  queue: QueueStatus;
  hooks: HookStatus[];
  endpoints: EndpointState[];
  /** what the running (or last) tail could not read, as its runtime file says */
  unreadable: UnreadableInput[];
  /** log directories of the running (or last) tail that hold no segment (is it kumod's log_dir?) */
  emptyDirs: string[];
}

export async function readStatus(stateDir: string, now: number): Promise<Status> {
  // No queue.db: Spool.open says whether none was made yet (input error) or it went missing (damaged state).
  const spool = Spool.open({ stateDir, readOnly: true });
  try {
    const queue = spool.status(now);
    // Versions before query masking stored the URL as given: mask it on the way out too.
    const endpoints = spool.endpoints().map((e) => ({ ...e, url: redactUrl(e.url) }));
    const rt = readRuntime(stateDir);
    const unreadable = rt?.unreadable ?? [];
    const unreadablePaths = new Set(unreadable.map((u) => u.path));
    const streams: StreamStatus[] = [];
    for (const c of spool.checkpointsDetail()) streams.push(await streamStatus(c.stream, c.value, c.updatedAt, unreadablePaths));
    const running = rt && rt.stoppedAt === undefined && processAlive(rt.pid) ? { ...rt, alive: true as const } : { alive: false as const, lastSeen: rt?.updatedAt ?? null };
    const hooks = hookStatuses(spool, now, running.alive ? (running.hooks ?? []) : null, rt);
    // the tail named those empty at its start; the ones still empty now are worth saying
    const emptyDirs = await emptyLogDirs((rt?.emptyDirs ?? []).filter((d) => existsSync(d)).map((path) => ({ kind: 'dir' as const, path })));
    return { stateDir, running, streams, queue, hooks, endpoints, unreadable, emptyDirs };
  } finally {
    spool.close();
  }
}

/** Per hook: its queues summed, the largest backlogs listed. */
function hookStatuses(spool: Spool, now: number, runningHooks: HookRuntimeInfo[] | null, rt: RuntimeInfo | null): HookStatus[] {
  const byHook = new Map<string, QueueInfo[]>();
  for (const q of spool.queues()) {
    const list = byHook.get(q.hook);
    if (list) list.push(q);
    else byHook.set(q.hook, [q]);
  }
  for (const h of runningHooks ?? []) if (!byHook.has(h.name)) byHook.set(h.name, []);
  const out: HookStatus[] = [];
  for (const [name, queues] of byHook) {
    const live = runningHooks?.find((h) => h.name === name) ?? null;
    // The implicit `default` queue of a state dir that only ever had other hooks says nothing.
    if (name === 'default' && !live && queues.every((q) => q.records === 0 && q.dead === 0) && byHook.size > 1) continue;
    let dueRecords = 0;
    let oldest: number | null = null;
    for (const q of queues) {
      if (q.records === 0) continue;
      const st = spool.status(now, q.id);
      dueRecords += st.dueRecords;
      if (st.oldestCreatedAt !== null && (oldest === null || st.oldestCreatedAt < oldest)) oldest = st.oldestCreatedAt;
    }
    const sorted = [...queues].sort((a, b) => b.records - a.records || a.endpoint.localeCompare(b.endpoint));
    out.push({
      name,
      records: queues.reduce((n, q) => n + q.records, 0),
      bytes: queues.reduce((n, q) => n + q.bytes, 0),
      dead: queues.reduce((n, q) => n + q.dead, 0),
      dueRecords,
      oldestCreatedAt: oldest,
      // the rule dead purge --hook NAME --all goes by (runtime-file.ts lastRunHad)
      removed: lastRunHad(rt, name) === false,
      running: live,
      endpoints: sorted.slice(0, LISTED).map((q) => ({ endpoint: q.endpoint, records: q.records, dead: q.dead })),
      moreEndpoints: Math.max(0, sorted.length - LISTED),
      total: lifetime(queues),
    });
  }
  return out;
}

function lifetime(queues: QueueInfo[]): LifetimeCounts | null {
  const sum: LifetimeCounts = { queued: 0, delivered: 0, retried: 0, dead: 0, expired: 0 };
  for (const q of queues) {
    if (q.total === null) return null;
    for (const k of Object.keys(sum) as (keyof LifetimeCounts)[]) sum[k] += q.total[k];
  }
  return sum;
}


/** Where a stream's checkpoint stands against the segments on disk now. */
async function streamStatus(stream: string, value: string, committedAt: number, unreadable: Set<string>): Promise<StreamStatus> {
  const p = StreamProgress.parse(value);
  const head = p.head();
  const out: StreamStatus = { stream, segment: head?.segment ?? null, line: head?.line ?? null, committedAt, newest: null, segmentsBehind: 0, behind: 0, bytesBehind: 0, unreadableSegments: 0, lagSeconds: null };
  const dir = streamDir(stream);
  if (dir === null) return out; // a single file named on the command line
  const listing = await listSegments([{ kind: 'dir', path: dir }]);
  if (listing.failed.length) return { ...out, error: listing.failed[0]!.error };
  const segs = listing.streams.get(stream) ?? [];
  out.newest = segs.at(-1)?.name ?? null;
  const pending = segs.filter((s) => !p.isConsumed(s.name));
  out.segmentsBehind = pending.length;
  out.unreadableSegments = pending.filter((s) => unreadable.has(s.path)).length;
  out.behind = Math.max(0, pending.length - out.unreadableSegments - 1);
  const lagMs = await streamLagOnDisk(segs, (name) => p.isConsumed(name));
  out.lagSeconds = lagMs === null ? null : lagMs / 1000;
  for (const s of pending.slice(1)) out.bytesBehind += (await stat(s.path).catch(() => ({ size: 0 }))).size;
  return out;
}
