// A log directory with no segment in it is most often the wrong directory (kumod's `log_dir` is
// configured per log hook, and a typo reads nothing, forever, without an error). Said once at
// start, and by `loghook status` while it stays so.
import { listSegments, type Target } from '../source/discovery.js';
import { isStreamOf } from '../source/types.js';

export function emptyDirWarning(dir: string): string {
  return `no kumod segments in ${dir}; is it kumod's \`log_dir\`?`;
}

/** The directories of `targets` that hold no segment now (those that cannot be listed are not empty: they are unreadable). */
export async function emptyLogDirs(targets: readonly Target[], pattern?: RegExp): Promise<string[]> {
  const dirs = targets.filter((t) => t.kind === 'dir');
  if (dirs.length === 0) return [];
  const listing = await listSegments(dirs, pattern);
  const failed = new Set(listing.failed.map((f) => f.path));
  const streams = [...listing.streams.entries()].filter(([, segs]) => segs.length > 0).map(([key]) => key);
  return dirs.map((d) => d.path).filter((dir) => !failed.has(dir) && !streams.some((k) => isStreamOf(k, dir)));
}
