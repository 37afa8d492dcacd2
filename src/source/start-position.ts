// Where a state dir's first start begins reading (`start_at`): the checkpoint it would have had if
// it had always run, computed from what is on disk at that moment and committed before anything is
// read, so a crash during the first start starts over the same way and a later start resumes.
// - "oldest" (the default): no checkpoint, every segment on disk is read.
// - "end": nothing already on disk is sent. Finished segments are skipped whole; a live
//   (writable) segment is decoded to its current end and its complete lines are skipped; what
//   kumod writes from then on (new lines of that segment, new segments) is read. (KumoMTA's tailer
//   with `tail=true` starts at the newest segment's beginning instead, sending some history.)
// - TIME: per stream, finished segments whose successor was opened before TIME are skipped by
//   name (every record of a segment is written before its successor is opened); the next ones are
//   decoded and skipped up to the first record with timestamp >= TIME, where reading starts.
//   Records already on disk count; what reaches the disk later is read whatever its time.
// A directory with no segment at all gets an empty checkpoint of its own, so that the next start
// is not a first start (with "end", it would skip what was written in between).
import { stat } from 'node:fs/promises';
import { listSegments, type Target } from './discovery.js';
import { StreamProgress } from './progress.js';
import { SegmentReader } from './segment-reader.js';
import { isStreamOf, streamKey, type LineBatch, type SegmentRef } from './types.js';
import { timestampOf } from '../record/timestamp.js';
import type { StartAt } from '../config/schema.js';
import { formatBytes } from '../config/units.js';
import type { Logger } from '../telemetry/logger.js';

export interface StartSkip {
  /** checkpoint per stream key (JSON, as Tailer.checkpoints() makes them) */
  checkpoints: Map<string, string>;
  /** finished segments skipped by name, unread, and their compressed bytes */
  segments: number;
  bytes: number;
  /** lines decoded and skipped (records before the start, and any non-record lines among them) */
  records: number;
}

export interface SeekOptions {
  targets: Target[];
  pattern?: RegExp;
  maxLineBytes: number;
}

const TURN_BYTES = 256 * 1024;

export async function seekStart(at: Exclude<StartAt, { kind: 'oldest' }>, o: SeekOptions): Promise<StartSkip> {
  const listing = await listSegments(o.targets, o.pattern);
  const out: StartSkip = { checkpoints: new Map(), segments: 0, bytes: 0, records: 0 };
  for (const t of o.targets) {
    if (t.kind === 'dir' && ![...listing.streams.keys()].some((k) => isStreamOf(k, t.path))) {
      out.checkpoints.set(streamKey(t.path, ''), JSON.stringify(new StreamProgress().toJSON()));
    }
  }
  for (const [stream, segments] of listing.streams) {
    const p = new StreamProgress();
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const size = await finishedSize(seg);
      const next = segments[i + 1];
      if (size !== null && (at.kind === 'end' || (next !== undefined && next.openedAtMs < at.atMs))) {
        out.segments++;
        out.bytes += size;
        p.markDone(seg.name);
        continue;
      }
      const r = await skipLines(seg, at.kind === 'end' ? null : at.atMs / 1000, o.maxLineBytes);
      out.records += r.skipped;
      if (r.finished && !r.found) p.markDone(seg.name);
      else p.setLines(seg.name, r.skipped);
      if (r.found) break; // the start: newer segments are read whole
    }
    out.checkpoints.set(stream, JSON.stringify(p.toJSON()));
  }
  return out;
}

/**
 * The checkpoints a run starts from: the saved ones, or on a first start (none saved) with a start
 * position, the computed ones, committed (`commit`) before anything is read. Says once what it did.
 */
export async function startingCheckpoints(saved: Map<string, string>, at: StartAt | undefined, o: SeekOptions & { logger: Logger; commit(checkpoints: Map<string, string>): void }): Promise<Map<string, string>> {
  if (at === undefined || at.kind === 'oldest') return saved;
  if (saved.size > 0) {
    o.logger.info(`start_at ${startName(at)}: ignored: this state dir has checkpoints from an earlier start and resumes there (a new --state-dir starts afresh; loghook replay sends history)`);
    return saved;
  }
  const skip = await seekStart(at, o);
  o.commit(skip.checkpoints);
  o.logger.info(describeSkip(at, skip), { segmentsSkipped: skip.segments, recordsSkipped: skip.records });
  return skip.checkpoints;
}

function startName(at: Exclude<StartAt, { kind: 'oldest' }>): string {
  return at.kind === 'end' ? 'end' : new Date(at.atMs).toISOString();
}

/** One line for the log: what the start position skipped. */
export function describeSkip(at: Exclude<StartAt, { kind: 'oldest' }>, s: StartSkip): string {
  const what = startName(at);
  const from = at.kind === 'end' ? 'reading what kumod writes from now on' : `reading from the first record at or after ${what}`;
  return `start_at ${what}: first start of this state dir: skipped ${s.segments} finished segment${s.segments === 1 ? '' : 's'} (${formatBytes(s.bytes)}) unread and ${s.records} record${s.records === 1 ? '' : 's'} decoded; ${from}`;
}

/** The size of a finished (read-only) segment, or null when it is still being written or gone. */
async function finishedSize(seg: SegmentRef): Promise<number | null> {
  const st = await stat(seg.path).catch(() => null);
  return st && (st.mode & 0o222) === 0 ? st.size : null;
}

/**
 * Decodes `seg` from its start, counting lines, up to the first record at or after `sinceS` (null:
 * to the end of what is on disk now). `found`: such a record was found at line `skipped`.
 */
async function skipLines(seg: SegmentRef, sinceS: number | null, maxLineBytes: number): Promise<{ skipped: number; found: boolean; finished: boolean }> {
  let lines = 0;
  let found = false;
  const reader = new SegmentReader(
    seg,
    {
      onBatch: (b: LineBatch) => {
        if (found) return;
        if (sinceS !== null) {
          for (let i = 0; i < b.count; i++) {
            const ts = timestampOf(b.buf, b.bounds[i]!, b.bounds[i + 1]!);
            if (ts !== undefined && ts >= sinceS) {
              lines = b.firstLine + i;
              found = true;
              return;
            }
          }
        }
        lines = b.firstLine + b.count;
      },
      onTooLong: (_s, _line, _bytes, consumed) => {
        if (!found) lines = consumed;
      },
    },
    { maxLineBytes, recycleBuffers: true },
  );
  try {
    for (;;) {
      const r = await reader.pump(TURN_BYTES);
      if (found) return { skipped: lines, found, finished: false };
      if (r === 'progress') continue;
      // idle: a live segment read to its current end; a report: finished (or unreadable: the
      // tailer reports that, from this line)
      return { skipped: lines, found, finished: r !== 'idle' && r.reason !== 'unreadable' };
    }
  } finally {
    await reader.close();
  }
}
