// The directory listing is the truth about which segments exist; watcher events only wake the
// reader up. Non-recursive, one or more directories, plus files named on the command line.
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { classifyName } from './segment-name.js';
import { streamKey, type SegmentRef } from './types.js';
import { InputError, errnoCode, errorMessage } from '../util/errors.js';

export type Target = { kind: 'dir'; path: string } | { kind: 'file'; path: string };

export interface IgnoredCounts {
  dotfile: number;
  temp: number;
  foreign: number;
  pattern: number;
}

export interface Listing {
  /** stream key -> its segments in name order */
  streams: Map<string, SegmentRef[]>;
  ignored: IgnoredCounts;
  /** targets that could not be listed this time, with the reason */
  failed: { path: string; error: string }[];
}

/** Resolves command-line paths once: directories to their real path, files kept as files. */
export async function resolveTargets(paths: string[]): Promise<Target[]> {
  const out: Target[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      const why = errnoCode(err) === 'ENOENT' ? 'does not exist' : errorMessage(err);
      throw new InputError(`${p}: ${why}`);
    }
    const real = await realpath(p);
    if (st.isDirectory()) out.push({ kind: 'dir', path: real });
    else if (st.isFile()) out.push({ kind: 'file', path: real });
    else throw new InputError(`${p}: not a directory or a regular file`);
  }
  return out;
}

/** False when a symlink leads to something that exists but is not a regular file. */
async function followsToFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return true;
  }
}

export async function listSegments(targets: Target[], pattern?: RegExp): Promise<Listing> {
  const listing: Listing = { streams: new Map(), ignored: { dotfile: 0, temp: 0, foreign: 0, pattern: 0 }, failed: [] };
  const add = (seg: SegmentRef) => {
    let list = listing.streams.get(seg.stream);
    if (!list) listing.streams.set(seg.stream, (list = []));
    list.push(seg);
  };
  for (const t of targets) {
    if (t.kind === 'file') {
      const name = basename(t.path);
      const v = classifyName(name);
      const suffix = v.kind === 'segment' ? v.segment.suffix : '';
      add({ stream: t.path, dir: dirname(t.path), name, path: t.path, suffix, openedAtMs: v.kind === 'segment' ? v.segment.openedAtMs : NaN });
      continue;
    }
    let entries;
    try {
      entries = await readdir(t.path, { withFileTypes: true });
    } catch (err) {
      listing.failed.push({ path: t.path, error: errorMessage(err) });
      continue;
    }
    for (const e of entries) {
      if (!e.isFile() && !e.isSymbolicLink()) continue;
      // A symlink to a directory (or a FIFO, a device) is no segment and never becomes one:
      // ignored, not unreadable, or it would hold the checkpoint back for good. A symlink that
      // cannot be followed (a loop, no permission) is listed: the reader names the error.
      if (e.isSymbolicLink() && !(await followsToFile(resolve(t.path, e.name)))) {
        listing.ignored.foreign++;
        continue;
      }
      const v = classifyName(e.name);
      if (v.kind === 'ignored') {
        listing.ignored[v.why]++;
        continue;
      }
      if (pattern && !pattern.test(e.name)) {
        listing.ignored.pattern++;
        continue;
      }
      const s = v.segment;
      add({ stream: streamKey(t.path, s.suffix), dir: t.path, name: e.name, path: resolve(t.path, e.name), suffix: s.suffix, openedAtMs: s.openedAtMs });
    }
  }
  for (const list of listing.streams.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return listing;
}
