// A stream's lag in time: how much older the records at its checkpoint are than the newest record
// on disk. Records carry their time inside, but the reader does not parse them on its fast path;
// the segments say enough: a segment's name is the time kumod opened it, and it holds records
// written until the next segment opened (the newest: until its last write, its mtime). So the
// oldest unread record was written no later than the opening of the segment after the oldest
// unfinished one, and the lag is at least the newest write minus that: a lower bound, exact to
// within one segment's time span, 0 when only the newest segment is left to read.
import { stat } from 'node:fs/promises';

export interface ListedSegment {
  name: string;
  path: string;
  /** the time in its name (ms); NaN for a file that is not named as a segment */
  openedAtMs: number;
}

/**
 * Milliseconds behind, for segments in name order; `consumed` tells a segment read to its end;
 * `newestWrittenAtMs` is the newest segment's mtime. null when the names carry no time.
 */
export function streamLagMs(listed: readonly ListedSegment[], consumed: (name: string) => boolean, newestWrittenAtMs: number): number | null {
  const i = listed.findIndex((s) => !consumed(s.name));
  if (i < 0 || i === listed.length - 1) return 0;
  const writtenBefore = listed[i + 1]!.openedAtMs;
  if (Number.isNaN(writtenBefore)) return null;
  return Math.max(0, newestWrittenAtMs - writtenBefore);
}

/** The newest segment's last write (its mtime), null when it cannot be seen (just deleted). */
export async function lastWriteMs(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

/** The lag of a stream as streamLagMs, with the newest segment's mtime read from disk. */
export async function streamLagOnDisk(listed: readonly ListedSegment[], consumed: (name: string) => boolean): Promise<number | null> {
  const i = listed.findIndex((s) => !consumed(s.name));
  if (i < 0 || i === listed.length - 1) return 0; // no stat needed
  const written = await lastWriteMs(listed.at(-1)!.path);
  return written === null ? null : streamLagMs(listed, consumed, written);
}
