// One file, one segment. A symlink to a segment of the same directory, two links to one target,
// a segment file named on the command line inside a directory also named: read under each name,
// its records would go out twice under different ids. A segment is the file its name leads to
// (device and inode): each file is read once, under its real name if that is listed, else under
// the first of its names (a log dir made of symlinks reads every target once, as its link).
// stat() costs about as much as the listing itself for every entry, so it is only paid when a
// symlink is listed; without one, distinct paths in real directories are distinct files.
import { stat } from 'node:fs/promises';
import type { SegmentRef } from './types.js';

export interface Candidate {
  seg: SegmentRef;
  /** listed as a symbolic link */
  link: boolean;
  /** position of its target on the command line: the earlier one wins among equals */
  target: number;
}

export interface OnePerFile {
  kept: SegmentRef[];
  /** symlinks leading to something that is not a regular file (a directory, a FIFO) */
  notFiles: number;
  /** names dropped because another listed name leads to the same file */
  duplicates: { path: string; of: string }[];
}

export async function onePerFile(candidates: Candidate[]): Promise<OnePerFile> {
  const out: OnePerFile = { kept: [], notFiles: 0, duplicates: [] };
  const stats = candidates.some((c) => c.link) ? await Promise.all(candidates.map((c) => stat(c.seg.path).catch(() => null))) : null;
  const byFile = new Map<string, Candidate[]>();
  candidates.forEach((c, i) => {
    const st = stats?.[i];
    // A symlink to a directory (or a FIFO, a device) is no segment and never becomes one: not
    // unreadable either, or it would hold the checkpoint back for good.
    if (st && !st.isFile()) {
      out.notFiles++;
      return;
    }
    // No stat (a loop, no permission, deleted meanwhile): keep it, the reader names the error.
    const key = st ? `${st.dev}:${st.ino}` : `path:${c.seg.path}`;
    const same = byFile.get(key);
    if (same) same.push(c);
    else byFile.set(key, [c]);
  });
  for (const names of byFile.values()) {
    names.sort(rank);
    out.kept.push(names[0]!.seg);
    for (const d of names.slice(1)) out.duplicates.push({ path: d.seg.path, of: names[0]!.seg.path });
  }
  return out;
}

/** The real name first, then the earlier target on the command line, then name order. */
function rank(a: Candidate, b: Candidate): number {
  return Number(a.link) - Number(b.link) || a.target - b.target || (a.seg.path < b.seg.path ? -1 : a.seg.path > b.seg.path ? 1 : 0);
}
