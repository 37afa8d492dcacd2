// The members of a JSON object found by their byte offsets, without building it: hooks that match
// or route on a few fields (`meta.tenant`, `egress_pool`, `response.code`: valueStart) read those
// values and skip the rest, and shaped bodies copy the members they keep (scanObject, src/body/).
// JSON.parse of a ~1 KB record, and the garbage it leaves, was half the CPU of a hook over a
// thousand tenant endpoints.
//
// One pass over the bytes up to the member asked for. Anything this scan does not expect (not an
// object, a stray byte, an unterminated string, a key with an escape) gives GAVE_UP, and the
// caller parses the line the ordinary way: a line that is not JSON is still found out by the
// parse, as before.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The offset just past the string whose opening quote is at `i`, or -1. */
function skipString(buf: Buffer, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const d = buf[j];
    if (d === QUOTE) return j + 1;
    if (d === BACKSLASH) j++; // the escaped byte (a \uXXXX's digits are plain bytes)
  }
  return -1;
}

/** The offset just past the value starting at `i` (an object, array, string or scalar), or -1. */
function skipValue(buf: Buffer, i: number, end: number): number {
  const c = buf[i];
  if (c === QUOTE) return skipString(buf, i, end);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < end; j++) {
      const d = buf[j]!;
      if (d === QUOTE) {
        j = skipString(buf, j, end);
        if (j === -1) return -1;
        j--;
      } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // a number, true, false or null: up to the next delimiter
  let j = i;
  while (j < end) {
    const d = buf[j]!;
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
    j++;
  }
  return j > i ? j : -1;
}

/** The member was not there (a definite answer); GAVE_UP: the bytes are not what this scan expects. */
export const ABSENT = -1;
export const GAVE_UP = -2;

/**
 * Where the value of member `key` of the object at `buf[start, end)` starts, in one pass over the
 * bytes that stops at the member (a JS loop: most strings are short, and a native indexOf costs
 * more per call than it saves on them). ABSENT, or GAVE_UP on anything unexpected. With `fold`,
 * ASCII case is ignored (`key` must be lower case).
 */
export function valueStart(buf: Buffer, start: number, end: number, key: Buffer, fold = false): number {
  let i = start;
  while (i < end && isSpace(buf[i]!)) i++;
  if (buf[i] !== OPEN_BRACE) return GAVE_UP;
  i++;
  const n = key.length;
  for (;;) {
    while (i < end && isSpace(buf[i]!)) i++;
    const c = buf[i];
    if (c === CLOSE_BRACE) return ABSENT;
    if (c !== QUOTE) return GAVE_UP;
    // the key: compare as we go
    const ks = i + 1;
    let j = ks;
    let escaped = false;
    while (j < end) {
      const d = buf[j]!;
      if (d === QUOTE) break;
      if (d === BACKSLASH) escaped = true;
      j++;
    }
    if (j >= end || escaped) return GAVE_UP;
    let same = j - ks === n;
    if (same) {
      for (let k = 0; k < n; k++) {
        let d = buf[ks + k]!;
        if (fold && d >= 0x41 && d <= 0x5a) d += 0x20;
        if (d !== key[k]) {
          same = false;
          break;
        }
      }
    }
    i = j + 1;
    while (i < end && isSpace(buf[i]!)) i++;
    if (buf[i] !== COLON) return GAVE_UP;
    i++;
    while (i < end && isSpace(buf[i]!)) i++;
    if (same) return i;
    const ve = skipValue(buf, i, end);
    if (ve === -1) return GAVE_UP;
    i = ve;
    while (i < end && isSpace(buf[i]!)) i++;
    if (buf[i] === COMMA) i++;
    else if (buf[i] === CLOSE_BRACE) return ABSENT;
    else return GAVE_UP;
  }
}

/** The offset just past the value starting at `i`, or -1. */
export function valueEnd(buf: Buffer, i: number, end: number): number {
  return skipValue(buf, i, end);
}

/** Marks a value that is an object or an array (its members are read with scanMembers). */
export const NESTED: unique symbol = Symbol('nested');

/** The value at `buf[vs, ve)`: a string, number, boolean or null; NESTED for an object or array. */
export function valueAt(buf: Buffer, vs: number, ve: number): unknown {
  const c = buf[vs];
  if (c === QUOTE) {
    // (bounded: an unbounded indexOf would search the rest of a decode buffer of megabytes)
    if (buf.subarray(vs, ve).indexOf(BACKSLASH) === -1) return buf.toString('utf8', vs + 1, ve - 1);
    try {
      return JSON.parse(buf.toString('utf8', vs, ve)) as unknown;
    } catch {
      return undefined;
    }
  }
  if (c === OPEN_BRACE || c === OPEN_BRACKET) return NESTED;
  const text = buf.toString('latin1', vs, ve);
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

/** Top-level keys to look for, compiled once. */
export class KeySet {
  readonly keys: readonly string[];
  readonly size: number;
  private readonly bytes: Buffer[];
  /** key length -> indexes of the keys of that length */
  private readonly byLength = new Map<number, number[]>();

  constructor(keys: readonly string[]) {
    this.keys = [...keys];
    this.size = this.keys.length;
    this.bytes = this.keys.map((k) => Buffer.from(k, 'utf8'));
    this.bytes.forEach((b, i) => {
      const list = this.byLength.get(b.length) ?? [];
      list.push(i);
      this.byLength.set(b.length, list);
    });
  }

  /** The index of the key in buf[from, to), or -1. */
  indexOf(buf: Buffer, from: number, to: number): number {
    const list = this.byLength.get(to - from);
    if (list === undefined) return -1;
    for (const k of list) {
      const b = this.bytes[k]!;
      let j = 0;
      while (j < b.length && buf[from + j] === b[j]) j++;
      if (j === b.length) return k;
    }
    return -1;
  }
}

/**
 * The value ranges of `want`'s keys in the object buf[start, end): `out[2k]`, `out[2k+1]` for key
 * k, -1 for a key the object lacks. Returns false when the bytes are not one JSON object (then
 * `out` means nothing). The scan stops once every wanted key is found: the rest of the record is
 * not looked at (so a repeated key: the first wins, where JSON.parse takes the last; kumod
 * repeats none). A key with an escape in it is never one of `want`'s (kumod writes none).
 */
export function scanObject(buf: Buffer, start: number, end: number, want: KeySet, out: Int32Array): boolean {
  out.fill(-1);
  let missing = want.keys.length;
  let i = start;
  while (i < end && isSpace(buf[i]!)) i++;
  while (end > i && isSpace(buf[end - 1]!)) end--;
  if (buf[i] !== OPEN_BRACE || buf[end - 1] !== CLOSE_BRACE) return false;
  i++;
  for (;;) {
    while (i < end && isSpace(buf[i]!)) i++;
    if (buf[i] === CLOSE_BRACE) return i === end - 1;
    if (buf[i] !== QUOTE) return false;
    const ke = skipString(buf, i, end);
    if (ke === -1) return false;
    const k = want.indexOf(buf, i + 1, ke - 1);
    i = ke;
    while (i < end && isSpace(buf[i]!)) i++;
    if (buf[i] !== COLON) return false;
    i++;
    while (i < end && isSpace(buf[i]!)) i++;
    const ve = skipValue(buf, i, end);
    if (ve === -1) return false;
    if (k !== -1 && out[2 * k] === -1) {
      out[2 * k] = i;
      out[2 * k + 1] = ve;
      if (--missing === 0) return true;
    }
    i = ve;
    while (i < end && isSpace(buf[i]!)) i++;
    if (buf[i] === COMMA) i++;
    else if (buf[i] !== CLOSE_BRACE) return false;
  }
}
