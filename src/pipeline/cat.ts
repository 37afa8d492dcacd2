// `loghook cat`: the records as kumod wrote them, in read order, byte for byte. The kept lines of
// a batch go out in one write of the decode buffer (moved together in place when some lines were
// filtered out): no per-line write, no copy when all are kept.
import type { Writable } from 'node:stream';
import { writeSync } from 'node:fs';
import { resolveTargets, type Target } from '../source/discovery.js';
import { Tailer, type SourceCounters } from '../source/tailer.js';
import type { UnreadableInput } from '../source/unreadable.js';
import type { LineBatch } from '../source/types.js';
import { selectLines, type SelectOptions, type SelectStats } from '../hook/filter.js';
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
   * A regular file or /dev/null to write to directly: kept lines go out in one write straight
   * from the decode buffer (no stream), and the buffers are reused at once.
   */
  outFd?: number;
  logger: Logger;
  /** stops following (SIGTERM, SIGINT) */
  signal?: AbortSignal;
}

/** Resolves on 'drain' or when the stream closes or fails, leaving no listener behind. */
function outputDrained(out: Writable): Promise<void> {
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
  /** segments and directories left unread because they could not be read */
  unreadable: UnreadableInput[];
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

/**
 * Writes all of `buf`, going on after a short write. A pipe somebody made non-blocking answers
 * EAGAIN when full: then it waits a moment and tries again.
 */
async function writeAll(fd: number, buf: Buffer): Promise<void> {
  let at = 0;
  while (at < buf.length) {
    try {
      at += writeSync(fd, buf, at, buf.length - at);
    } catch (err) {
      if (errnoCode(err) !== 'EAGAIN') throw err;
      await new Promise((r) => setTimeout(r, 1));
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
    if (!result.closedEarly && !out!.write(chunk)) await outputDrained(out!);
  };
  const writeFd = async (fd: number, buf: Buffer) => {
    try {
      await writeAll(fd, buf);
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
    return writeFd(opts.outFd, gather(batch, keep));
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
  return { ...stats, ...result, source: tailer.counters, unreadable: tailer.unreadable() };
}
