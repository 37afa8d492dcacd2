// `loghook cat`: the records as kumod wrote them, in read order, byte for byte. Runs of kept lines
// are written as slices of the decode buffer: no copy, no per-line write.
import type { Writable } from 'node:stream';
import { writevSync } from 'node:fs';
import { resolveTargets, type Target } from '../source/discovery.js';
import { Tailer, type SourceCounters } from '../source/tailer.js';
import type { LineBatch } from '../source/types.js';
import { selectLines, type SelectOptions, type SelectStats } from '../record/select.js';
import type { Logger } from '../telemetry/logger.js';
import { errnoCode } from '../util/errors.js';

export interface CatOptions extends SelectOptions {
  paths: string[];
  follow: boolean;
  pattern?: RegExp;
  pollMs?: number;
  maxLineBytes?: number;
  /** where records go, unless outFd is given */
  out: Writable | null;
  /**
   * A pipe, a regular file or /dev/null to write to directly: kept runs go out with writev
   * straight from the decode buffer (no copy, no stream), and the buffers are reused at once.
   */
  outFd?: number;
  logger: Logger;
  /** stops following (SIGTERM, SIGINT) */
  signal?: AbortSignal;
}

/** Resolves on 'drain' or when the stream closes or fails, leaving no listener behind. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    out.on('drain', done).on('close', done).on('error', done);
  });
}

export interface CatResult extends SelectStats {
  written: number;
  source: SourceCounters;
  /** the reader of stdout went away (e.g. `| head`) */
  closedEarly: boolean;
}

/**
 * The kept lines as one buffer, for one write instead of one per run. The decode buffer is never
 * read again once handed on, so kept runs are moved together inside it: no allocation, no copy
 * when all lines are kept.
 */
export function gather(batch: LineBatch, keep: number[]): Buffer {
  const { buf, bounds } = batch;
  const n = keep.length;
  const first = bounds[keep[0]!]!;
  let at = first;
  for (let k = 0; k < n; ) {
    let j = k;
    while (j + 1 < n && keep[j + 1] === keep[j]! + 1) j++;
    const s = bounds[keep[k]!]!;
    const e = bounds[keep[j]! + 1]!;
    if (s !== at) buf.copyWithin(at, s, e);
    at += e - s;
    k = j + 1;
  }
  return buf.subarray(first, at);
}

/** The kept lines as runs of consecutive lines: slices of the decode buffer, no copy. */
export function runs(batch: LineBatch, keep: number[]): Buffer[] {
  const { buf, bounds } = batch;
  const out: Buffer[] = [];
  for (let k = 0; k < keep.length; ) {
    let j = k;
    while (j + 1 < keep.length && keep[j + 1] === keep[j]! + 1) j++;
    out.push(buf.subarray(bounds[keep[k]!]!, bounds[keep[j]! + 1]!));
    k = j + 1;
  }
  return out;
}

/**
 * writev, IOV_MAX buffers at a time, going on after a short write. A pipe somebody made
 * non-blocking answers EAGAIN when full: then it waits a moment and tries again.
 */
async function writeAll(fd: number, bufs: Buffer[]): Promise<void> {
  for (let i = 0; i < bufs.length; ) {
    let group = bufs.slice(i, i + 1024);
    i += group.length;
    while (group.length > 0) {
      let n: number;
      try {
        n = writevSync(fd, group);
      } catch (err) {
        if (errnoCode(err) !== 'EAGAIN') throw err;
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      while (group.length > 0 && n >= group[0]!.length) n -= group.shift()!.length;
      if (group.length > 0 && n > 0) group[0] = group[0]!.subarray(n);
    }
  }
}

export async function catRecords(opts: CatOptions): Promise<CatResult> {
  const targets: Target[] = await resolveTargets(opts.paths);
  const stats: SelectStats = { invalid: 0, filtered: 0 };
  const result = { written: 0, closedEarly: false };
  const out = opts.out;
  let tailer: Tailer | null = null;
  const onError = (err: Error) => {
    if (errnoCode(err) !== 'EPIPE') opts.logger.error(`writing output failed: ${err.message}`);
    result.closedEarly = true;
    tailer?.stop();
  };
  out?.on('error', onError);
  const write = async (chunk: Buffer) => {
    if (!result.closedEarly && !out!.write(chunk)) await drained(out!);
  };
  const writeFd = async (fd: number, bufs: Buffer[]) => {
    try {
      await writeAll(fd, bufs);
    } catch (err) {
      onError(err as Error);
    }
  };
  const onBatch = (batch: LineBatch): void | Promise<void> => {
    const keep = selectLines(batch, opts, stats, (b, i, why) =>
      opts.logger.warn(`${b.segment.path}: line ${b.firstLine + i + 1} skipped: ${why}`),
    );
    result.written += keep.length;
    if (keep.length === 0 || result.closedEarly) return;
    if (opts.outFd === undefined) return write(gather(batch, keep));
    return writeFd(opts.outFd, runs(batch, keep));
  };
  tailer = new Tailer({
    targets,
    follow: opts.follow,
    recycleBuffers: opts.outFd !== undefined,
    logger: opts.logger,
    onBatch,
    ...(opts.pattern ? { pattern: opts.pattern } : {}),
    ...(opts.pollMs !== undefined ? { rescanMs: opts.pollMs, usePolling: true } : {}),
    ...(opts.maxLineBytes !== undefined ? { maxLineBytes: opts.maxLineBytes } : {}),
    ...(opts.sinceS !== undefined ? { sinceMs: opts.sinceS * 1000 } : {}),
  });
  opts.signal?.addEventListener('abort', () => tailer?.stop(), { once: true });
  await tailer.run();
  // everything written before returning (a write stream of our own still holds queued writes)
  if (out && out !== process.stdout && !result.closedEarly) await new Promise<void>((r) => out.end(r));
  return { ...stats, ...result, source: tailer.counters };
}
