// kumod names a segment by the UTC time it was opened: %Y%m%d-%H%M%S, then an optional fraction
// (".", 3, 6 or 9 digits; absent when the nanoseconds are 0 and in releases before 2024.11), then
// an optional operator-chosen suffix. Byte-wise name order is open-time order within one suffix.

const NAME = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:\.(\d{9}|\d{6}|\d{3}))?(.*)$/;

// Names that match kumod's pattern but are somebody's temporary files: ignored quietly.
const TEMP_ENDINGS = ['.tmp', '.temp', '.swp', '.part', '.partial'];
// ...or somebody's copy of a segment (a backup, a compressed copy for zstdcat, an editor's or a
// package manager's leftover): read as a stream of its own, its records would be published again
// under new ids. Ignored with a warning. kumod's own names never end so (no extension).
const COPY_ENDING = /(?:\.(?:zst|zstd|gz|xz|bz2|lz4|bak|backup|old|orig|save|sav|copy|rej|rpmsave|rpmnew|dpkg-old|dpkg-new|dpkg-dist)(?:\.?\d+)?|~|\.~\d+~| \(copy(?: \d+)?\))$/i;

export interface SegmentName {
  name: string;
  /** operator-chosen per-record suffix ("" when none): segments with one suffix form a stream */
  suffix: string;
  /** the UTC open time encoded in the name, milliseconds since the epoch */
  openedAtMs: number;
}

export type NameVerdict = { kind: 'segment'; segment: SegmentName } | { kind: 'ignored'; why: 'dotfile' | 'temp' | 'copy' | 'foreign' };

export function classifyName(name: string): NameVerdict {
  if (name.startsWith('.')) return { kind: 'ignored', why: 'dotfile' };
  const m = NAME.exec(name);
  if (!m) return { kind: 'ignored', why: 'foreign' };
  if (TEMP_ENDINGS.some((e) => name.endsWith(e))) return { kind: 'ignored', why: 'temp' };
  if (COPY_ENDING.test(name)) return { kind: 'ignored', why: 'copy' };
  const [, y, mo, d, h, mi, s, frac = '', suffix = ''] = m;
  const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, frac === '' ? 0 : Math.floor(Number(frac.padEnd(9, '0')) / 1e6));
  const back = new Date(ms);
  // Reject impossible dates (month 13, hour 25): Date.UTC would silently roll them over.
  if (Number.isNaN(ms) || back.getUTCMonth() !== +mo! - 1 || back.getUTCHours() !== +h! || back.getUTCMinutes() !== +mi!) {
    return { kind: 'ignored', why: 'foreign' };
  }
  return { kind: 'segment', segment: { name, suffix, openedAtMs: ms } };
}

/** Tiny glob for --pattern: `*`, `?` and `[...]` classes, matched against the whole file name. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) re += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}
