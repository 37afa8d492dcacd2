// The directory listing is the truth about which segments exist; watcher events only wake the
// reader up. Non-recursive, one or more directories, plus files named on the command line.
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { classifyName } from './segment-name.js';
import { onePerFile, type Candidate } from './same-file.js';
import { streamKey, type SegmentRef } from './types.js';
import { InputError, errnoCode, errorMessage } from '../util/errors.js';

export type Target = { kind: 'dir'; path: string } | { kind: 'file'; path: string };

export interface IgnoredCounts {
  dotfile: number;
  temp: number;
  /** names that look like a copy of a segment (SEG.bak, SEG.zst, SEG~, ...) */
  copy: number;
  /** other names, and symlinks that lead to no regular file */
  foreign: number;
  pattern: number;
  /** second names of a file listed under another name (see same-file.ts) */
  duplicate: number;
}

export interface Listing {
  /** stream key -> its segments in name order */
  streams: Map<string, SegmentRef[]>;
  ignored: IgnoredCounts;
  /** targets that could not be listed this time, with the reason */
  failed: { path: string; error: string }[];
  /** ignored names worth a warning (copies, second names of one file), with why */
  notes: { path: string; note: string }[];
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
    if (out.some((t) => t.path === real)) continue; // named twice: read once
    if (st.isDirectory()) out.push({ kind: 'dir', path: real });
    else if (st.isFile()) out.push({ kind: 'file', path: real });
    else throw new InputError(`${p}: not a directory or a regular file`);
  }
  return out;
}

export async function listSegments(targets: Target[], pattern?: RegExp): Promise<Listing> {
  const listing: Listing = { streams: new Map(), ignored: { dotfile: 0, temp: 0, copy: 0, foreign: 0, pattern: 0, duplicate: 0 }, failed: [], notes: [] };
  const found: Candidate[] = [];
  for (const [target, t] of targets.entries()) {
    if (t.kind === 'file') {
      const name = basename(t.path);
      const v = classifyName(name);
      const suffix = v.kind === 'segment' ? v.segment.suffix : '';
      const seg = { stream: t.path, dir: dirname(t.path), name, path: t.path, suffix, openedAtMs: v.kind === 'segment' ? v.segment.openedAtMs : NaN };
      found.push({ seg, link: false, target });
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
      const v = classifyName(e.name);
      if (v.kind === 'ignored') {
        listing.ignored[v.why]++;
        if (v.why === 'copy') listing.notes.push({ path: resolve(t.path, e.name), note: 'looks like a copy of a segment (a backup or a compressed copy), not a segment kumod writes: ignored; keep copies out of the log directory' });
        continue;
      }
      if (pattern && !pattern.test(e.name)) {
        listing.ignored.pattern++;
        continue;
      }
      const s = v.segment;
      const seg = { stream: streamKey(t.path, s.suffix), dir: t.path, name: e.name, path: resolve(t.path, e.name), suffix: s.suffix, openedAtMs: s.openedAtMs };
      found.push({ seg, link: e.isSymbolicLink(), target });
    }
  }
  const one = await onePerFile(found);
  listing.ignored.foreign += one.notFiles;
  listing.ignored.duplicate += one.duplicates.length;
  for (const d of one.duplicates) listing.notes.push({ path: d.path, note: `leads to the same file as ${d.of}: read once, as that` });
  for (const seg of one.kept) {
    let list = listing.streams.get(seg.stream);
    if (!list) listing.streams.set(seg.stream, (list = []));
    list.push(seg);
  }
  for (const list of listing.streams.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return listing;
}
