// Decides which segment to read next and reads it. Rules (README "How loghook reads segments"):
// - within a stream (one directory, one suffix) segments are read in name order;
// - a finished (read-only) segment is read to its end before any newer segment of its stream;
// - a writable segment that has nothing more to read right now does not hold up newer segments
//   of its stream (an abandoned writer): it stays open and is read again whenever it grows;
// - streams are independent: one stream's live segment never holds up another stream;
// - a segment that cannot be read is never checkpointed past (see unreadable.ts): it is skipped
//   like an idle one, so newer segments flow, and tried again every few seconds.
import { stat } from 'node:fs/promises';
import { listSegments, type Listing, type Target } from './discovery.js';
import { StreamProgress } from './progress.js';
import { SegmentReader, type SegmentReport } from './segment-reader.js';
import { isStreamOf, type LineBatch, type SegmentRef } from './types.js';
import { DirWatch } from './dir-watch.js';
import { UnreadableInputs, UNREADABLE_RETRY_MS, type UnreadableInput } from './unreadable.js';
import { formatBytes, formatDuration } from '../config/units.js';
import type { Logger } from '../telemetry/logger.js';
import { DEFAULTS } from '../config/defaults.js';

export interface SourceCounters {
  segmentsFinished: number;
  segmentsTruncated: number;
  segmentsCorrupt: number;
  /** segments found unreadable (each counted once per time it became unreadable) */
  segmentsUnreadable: number;
  /** directories whose listing failed (likewise) */
  directoriesUnreadable: number;
  segmentsVanished: number;
  segmentsDeletedLive: number;
  segmentsSkippedSince: number;
  linesTooLong: number;
  linesRead: number;
  /** compressed bytes read from segment files (a resumed segment's skipped lines included) */
  bytesRead: number;
  ignoredFiles: number;
}

export interface TailerOptions {
  targets: Target[];
  pattern?: RegExp;
  /** keep following; false: stop once everything on disk now has been read */
  follow: boolean;
  /** rescan interval (ms); with usePolling the only way changes are seen */
  rescanMs?: number;
  usePolling?: boolean;
  maxLineBytes?: number;
  /** compressed bytes read from one segment before the next gets a turn */
  turnBytes?: number;
  /** checkpoint per stream key, as produced by checkpoints() */
  checkpoints?: Map<string, string>;
  /** finished segments whose successor opened before this time (ms) hold no newer record: skip them */
  sinceMs?: number;
  logger: Logger;
  /** onBatch copies what it keeps before it resolves: decode buffers can be reused */
  recycleBuffers?: boolean;
  onBatch(batch: LineBatch): void | Promise<void>;
  /** called when a pass found nothing more to read (caught up) */
  onIdle?(): void | Promise<void>;
  /** wall clock (ms since the epoch) for the unreadable set; default Date.now */
  now?: () => number;
  /** how often an unreadable segment is tried again (ms) */
  retryUnreadableMs?: number;
}

export class Tailer {
  readonly counters: SourceCounters = {
    segmentsFinished: 0, segmentsTruncated: 0, segmentsCorrupt: 0, segmentsUnreadable: 0, directoriesUnreadable: 0, segmentsVanished: 0,
    segmentsDeletedLive: 0, segmentsSkippedSince: 0, linesTooLong: 0, linesRead: 0, bytesRead: 0, ignoredFiles: 0,
  };
  private readonly progress = new Map<string, StreamProgress>();
  private readonly readers = new Map<string, SegmentReader>();
  private readonly inputs: UnreadableInputs;
  /** segments in `inputs`: they stay open in their stream's checkpoint */
  private readonly blocked = new Map<string, SegmentRef>();
  private noted = new Set<string>();
  private stopped = false;
  private dirWatch: DirWatch | null = null;
  private latest: Listing | null = null;
  private readonly log: Logger;

  constructor(private readonly opts: TailerOptions) {
    this.log = opts.logger;
    this.inputs = new UnreadableInputs(this.log, opts.now ?? Date.now, opts.retryUnreadableMs ?? UNREADABLE_RETRY_MS);
    for (const [stream, json] of opts.checkpoints ?? []) this.progress.set(stream, StreamProgress.parse(json));
  }

  /** Checkpoint per stream (JSON text), covering every batch handed on so far. */
  checkpoints(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, p] of this.progress) out.set(k, JSON.stringify(p.toJSON()));
    return out;
  }

  /** Segments and directories that cannot be read right now: their data is not read yet. */
  unreadable(): UnreadableInput[] {
    return this.inputs.list();
  }

  /** Segments listed but not yet finished, over all streams: 1 means reading the newest one. */
  lag(): number {
    let n = 0;
    for (const [stream, list] of this.latest?.streams ?? []) {
      const p = this.progress.get(stream);
      for (const s of list) if (!p || !p.isConsumed(s.name)) n++;
    }
    return n;
  }

  /** Whole segments waiting after the one being read, over all streams, unreadable ones left out: 0 is caught up (status's `behind`). */
  segmentsBehind(): number {
    let n = 0;
    for (const [stream, list] of this.latest?.streams ?? []) {
      const p = this.progress.get(stream);
      n += Math.max(0, list.filter((s) => (!p || !p.isConsumed(s.name)) && !this.blocked.has(s.path)).length - 1);
    }
    return n;
  }

  /** Each stream of the last listing: its segments in name order, and which are read to their end. */
  listedStreams(): { stream: string; segments: readonly SegmentRef[]; consumed(name: string): boolean }[] {
    return [...(this.latest?.streams ?? [])].map(([stream, segments]) => ({ stream, segments, consumed: (name: string) => this.progress.get(stream)?.isConsumed(name) ?? false }));
  }

  stop(): void {
    this.stopped = true;
    this.dirWatch?.wake();
  }

  async run(): Promise<void> {
    const dirs = this.opts.targets.filter((t) => t.kind === 'dir').map((t) => t.path);
    const rescanMs = this.opts.rescanMs ?? 1000;
    this.dirWatch = this.opts.follow ? new DirWatch(dirs, rescanMs, !this.opts.usePolling, this.log) : null;
    try {
      let first = true;
      let scannedAt = -Infinity;
      let idle = true;
      while (!this.stopped) {
        // While a pass keeps finding work (a replay), list the directories again only when a file
        // event came or the rescan interval passed: a listing of a day of segments is not free.
        const t = performance.now();
        if (idle || this.dirWatch?.takeEvent() || t - scannedAt >= rescanMs) {
          await this.rescan(first);
          scannedAt = t;
          first = false;
        }
        const progressed = await this.pass();
        idle = !progressed;
        if (progressed) continue;
        await this.opts.onIdle?.();
        if (!this.opts.follow || this.stopped) break;
        await this.dirWatch!.wait();
      }
    } finally {
      this.dirWatch?.close();
      for (const r of this.readers.values()) await r.close();
      this.readers.clear();
    }
  }

  private async rescan(first: boolean): Promise<void> {
    const listing = await listSegments(this.opts.targets, this.opts.pattern);
    this.latest = listing;
    this.counters.ignoredFiles = Object.values(listing.ignored).reduce((a, b) => a + b, 0);
    // One warning per name while it is there (a copy, a second name of a segment).
    for (const n of listing.notes) if (!this.noted.has(n.path)) this.log.warn(`${n.path}: ${n.note}`);
    this.noted = new Set(listing.notes.map((n) => n.path));
    const failed = new Set(listing.failed.map((f) => f.path));
    for (const f of listing.failed) {
      if (this.inputs.failed(f.path, 'directory', `cannot list it: ${f.error}`, 'it is listed again at every rescan; other directories keep flowing')) {
        this.counters.directoriesUnreadable++;
      }
    }
    for (const dir of this.inputs.paths('directory')) {
      if (!failed.has(dir)) {
        this.inputs.cleared(dir);
        this.log.info(`${dir}: can be listed again`);
      }
    }
    this.dropGoneBlocked(listing, failed);
    if (first) this.dropDeletedCheckpoints(listing);
  }

  /** An unreadable segment no longer listed (its directory listed fine) is gone: let it go. */
  private dropGoneBlocked(listing: Listing, failedDirs: Set<string>): void {
    for (const [path, seg] of this.blocked) {
      if (failedDirs.has(seg.dir) || (listing.streams.get(seg.stream) ?? []).some((s) => s.path === path)) continue;
      this.blocked.delete(path);
      this.inputs.cleared(path);
      this.counters.segmentsVanished++;
      this.log.warn(`${path}: deleted (or no longer a segment file) before it could be read; going on without it`);
      this.progress.get(seg.stream)?.markDone(seg.name);
    }
  }

  /** A checkpoint whose segment was deleted resumes at the next segment. */
  private dropDeletedCheckpoints(listing: Listing): void {
    const unlisted = new Set(listing.failed.map((f) => f.path));
    for (const [stream, p] of this.progress) {
      if ([...unlisted].some((dir) => isStreamOf(stream, dir))) continue;
      const names = new Set((listing.streams.get(stream) ?? []).map((s) => s.name));
      for (const [name, line] of [...p.open]) {
        if (names.has(name)) continue;
        this.log.warn(`checkpoint segment ${name} was deleted: resuming at the next segment`, { stream, line });
        p.markDone(name);
      }
    }
  }

  /** One turn for every readable segment. Returns whether anything was read. */
  private async pass(): Promise<boolean> {
    let progressed = false;
    for (const [stream, segments] of this.streamsToRead()) {
      if (this.stopped) break;
      let p = this.progress.get(stream);
      if (!p) this.progress.set(stream, (p = new StreamProgress()));
      for (let i = 0; i < segments.length && !this.stopped; i++) {
        const seg = segments[i]!;
        if (p.isConsumed(seg.name)) continue;
        let reader = this.readers.get(seg.path);
        if (!reader) {
          if (!this.inputs.due(seg.path)) continue; // unreadable: tried again every few seconds
          if (await this.skipBySince(seg, segments[i + 1], p)) continue;
          reader = this.newReader(seg, p);
        }
        const fromLine = p.startLine(seg.name);
        const before = reader.bytesRead;
        const r = await reader.pump(this.opts.turnBytes ?? 1024 * 1024);
        this.counters.bytesRead += reader.bytesRead - before;
        if (typeof r === 'object' && r.reason === 'unreadable') {
          this.cannotRead(seg, r);
          continue; // like an idle segment: newer segments may go on, the watermark may not
        }
        if (this.blocked.delete(seg.path)) {
          this.inputs.cleared(seg.path);
          this.log.info(`${seg.path}: can be read again; reading it from line ${fromLine + 1}`);
        }
        if (r === 'idle') continue; // writable and drained: newer segments may go on
        progressed = true;
        if (r === 'progress') break; // more to read here: newer segments of this stream wait
        this.finished(seg, r, p);
      }
    }
    return progressed;
  }

  /** The listing plus segments still open but no longer listed (deleted while being read). */
  private streamsToRead(): Map<string, SegmentRef[]> {
    const streams = new Map(this.latest!.streams);
    for (const r of this.readers.values()) {
      const list = streams.get(r.segment.stream) ?? [];
      if (list.some((s) => s.path === r.segment.path)) continue;
      const merged = [...list, r.segment].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      streams.set(r.segment.stream, merged);
    }
    return streams;
  }

  private newReader(seg: SegmentRef, p: StreamProgress): SegmentReader {
    const startLine = p.startLine(seg.name);
    p.setLines(seg.name, startLine);
    const reader = new SegmentReader(
      seg,
      {
        onBatch: (b) => {
          p.setLines(seg.name, b.firstLine + b.count);
          this.counters.linesRead += b.count;
          return this.opts.onBatch(b);
        },
        onTooLong: (s, line, bytes, consumed) => {
          this.counters.linesTooLong++;
          p.setLines(s.name, consumed);
          this.log.warn(`${s.path}: line ${line + 1} is ${formatBytes(bytes)}, longer than the limit: skipped`);
        },
      },
      { startLine, maxLineBytes: this.opts.maxLineBytes ?? DEFAULTS.maxLineBytes, recycleBuffers: this.opts.recycleBuffers ?? false },
    );
    this.readers.set(seg.path, reader);
    return reader;
  }

  private async skipBySince(seg: SegmentRef, next: SegmentRef | undefined, p: StreamProgress): Promise<boolean> {
    const since = this.opts.sinceMs;
    if (since === undefined || !next || !(next.openedAtMs < since)) return false;
    // Every record of a finished segment was written before its successor was opened.
    const st = await stat(seg.path).catch(() => null);
    if (!st || (st.mode & 0o222) !== 0) return false;
    this.counters.segmentsSkippedSince++;
    p.markDone(seg.name);
    return true;
  }

  /**
   * Open failed, or a read or stat failed part-way. Not marked done: the segment stays open in the
   * checkpoint at the lines handed on so far (onBatch keeps that count), so the checkpoint never
   * moves past it, and the next reader starts there.
   */
  private cannotRead(seg: SegmentRef, r: SegmentReport): void {
    this.readers.delete(seg.path);
    this.blocked.set(seg.path, seg);
    const retry = formatDuration(this.opts.retryUnreadableMs ?? UNREADABLE_RETRY_MS);
    const consequence = `tried again every ${retry}; the checkpoint stays at it (${r.lines} lines read so far), newer segments go on`;
    if (this.inputs.failed(seg.path, 'segment', r.detail ?? 'unknown error', consequence)) this.counters.segmentsUnreadable++;
  }

  private finished(seg: SegmentRef, r: SegmentReport, p: StreamProgress): void {
    this.readers.delete(seg.path);
    p.markDone(seg.name);
    const c = this.counters;
    switch (r.reason) {
      case 'complete':
        c.segmentsFinished++;
        this.log.debug(`finished ${seg.path}`, { lines: r.lines });
        break;
      case 'truncated':
        c.segmentsTruncated++;
        this.log.warn(`${seg.path}: truncated segment (its writer crashed); ${r.droppedBytes} bytes of a partial last line dropped`, { lines: r.lines });
        break;
      case 'corrupt':
        c.segmentsCorrupt++;
        this.log.error(`${seg.path}: corrupt zstd data: ${r.detail}; the rest of this segment is skipped`, { lines: r.lines });
        break;
      case 'deleted-live':
        c.segmentsDeletedLive++;
        this.log.warn(`${seg.path}: deleted while still being written; read ${r.lines} lines, no longer following it`);
        break;
      case 'vanished':
        c.segmentsVanished++;
        this.log.warn(`${seg.path}: deleted before it could be read; going on with the next segment`);
        break;
      case 'unreadable':
        break; // never finished: see cannotRead
    }
  }
}
