// `loghook status`: what the state dir says, plus what a running tail reports. Read-only: works
// while a tail holds the state dir.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Spool } from '../spool/spool.js';
import { listSegments } from '../source/discovery.js';
import { StreamProgress } from '../source/progress.js';
import { readRuntime, type RuntimeInfo } from './runtime-file.js';
import type { UnreadableInput } from '../source/unreadable.js';
import type { EndpointState, QueueStatus } from '../spool/types.js';
import { InputError } from '../util/errors.js';
import { redactUrl } from '../telemetry/logger.js';

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
  /** compressed bytes of the segments after the one being read */
  bytesBehind: number;
  /** of the segments behind, those the tail could not read (in `unreadable`) */
  unreadableSegments: number;
  /** the directory could not be listed */
  error?: string;
}

export interface Status {
  stateDir: string;
  running: (RuntimeInfo & { alive: true }) | { alive: false; lastSeen: number | null };
  streams: StreamStatus[];
  queue: QueueStatus;
  endpoints: EndpointState[];
  /** what the running (or last) tail could not read, as its runtime file says */
  unreadable: UnreadableInput[];
}

export async function readStatus(stateDir: string, now: number): Promise<Status> {
  if (!existsSync(join(stateDir, 'queue.db'))) throw new InputError(`${stateDir}: no loghook state here (no queue.db); give --state-dir`);
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
    const running = rt && rt.stoppedAt === undefined && alive(rt.pid) ? { ...rt, alive: true as const } : { alive: false as const, lastSeen: rt?.updatedAt ?? null };
    return { stateDir, running, streams, queue, endpoints, unreadable };
  } finally {
    spool.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where a stream's checkpoint stands against the segments on disk now. */
async function streamStatus(stream: string, value: string, committedAt: number, unreadable: Set<string>): Promise<StreamStatus> {
  const p = StreamProgress.parse(value);
  const head = p.head();
  const out: StreamStatus = { stream, segment: head?.segment ?? null, line: head?.line ?? null, committedAt, newest: null, segmentsBehind: 0, bytesBehind: 0, unreadableSegments: 0 };
  const star = stream.lastIndexOf('/*');
  if (star < 0) return out; // a single file named on the command line
  const dir = stream.slice(0, star);
  const listing = await listSegments([{ kind: 'dir', path: dir }]);
  if (listing.failed.length) return { ...out, error: listing.failed[0]!.error };
  const segs = listing.streams.get(stream) ?? [];
  out.newest = segs.at(-1)?.name ?? null;
  const pending = segs.filter((s) => !p.isConsumed(s.name));
  out.segmentsBehind = pending.length;
  out.unreadableSegments = pending.filter((s) => unreadable.has(s.path)).length;
  for (const s of pending.slice(1)) out.bytesBehind += (await stat(s.path).catch(() => ({ size: 0 }))).size;
  return out;
}
