// The members of one JSON object that a body needs, found in the record's bytes without building
// the object: where each wanted top-level key's value starts and ends, so that the value can be
// copied as it is (never re-encoded) or parsed alone. One pass of a plain byte loop (calls into
// C++ such as indexOf cost more than they save on kumod's many short strings): about a third of
// JSON.parse's cost on a kumod record, which keeps `fields` and most templates near raw speed
// (bench/requests.ts).
//
// The scan trusts the bytes to be JSON as far as structure goes (kumod writes them with serde);
// what it cannot make sense of (not an object, an unterminated string, unbalanced brackets) it
// reports as null, and the caller falls back to JSON.parse, which says what is wrong.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

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

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The index just past the string whose opening quote is at `i`; -1 when unterminated. */
function stringEnd(buf: Buffer, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = buf[j];
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) j++;
  }
  return -1;
}

/** The index just past the value that starts at `i` (no leading space); -1 when malformed. */
function valueEnd(buf: Buffer, i: number, end: number): number {
  const c = buf[i];
  if (c === QUOTE) return stringEnd(buf, i, end);
  if (c === OPEN_OBJ || c === OPEN_ARR) {
    let depth = 0;
    for (let j = i; j < end; j++) {
      const d = buf[j];
      if (d === QUOTE) {
        j = stringEnd(buf, j, end) - 1;
        if (j < 0) return -1;
      } else if (d === OPEN_OBJ || d === OPEN_ARR) depth++;
      else if (d === CLOSE_OBJ || d === CLOSE_ARR) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // a number, true, false or null: up to the next delimiter
  let j = i;
  while (j < end) {
    const d = buf[j]!;
    if (d === COMMA || d === CLOSE_OBJ || d === CLOSE_ARR || isSpace(d)) break;
    j++;
  }
  return j > i ? j : -1;
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
  if (buf[i] !== OPEN_OBJ || buf[end - 1] !== CLOSE_OBJ) return false;
  i++;
  for (;;) {
    while (i < end && isSpace(buf[i]!)) i++;
    if (buf[i] === CLOSE_OBJ) return i === end - 1;
    if (buf[i] !== QUOTE) return false;
    const ke = stringEnd(buf, i, end);
    if (ke === -1) return false;
    const k = want.indexOf(buf, i + 1, ke - 1);
    i = ke;
    while (i < end && isSpace(buf[i]!)) i++;
    if (buf[i] !== COLON) return false;
    i++;
    while (i < end && isSpace(buf[i]!)) i++;
    const ve = valueEnd(buf, i, end);
    if (ve === -1) return false;
    if (k !== -1 && out[2 * k] === -1) {
      out[2 * k] = i;
      out[2 * k + 1] = ve;
      if (--missing === 0) return true;
    }
    i = ve;
    while (i < end && isSpace(buf[i]!)) i++;
    if (buf[i] === COMMA) i++;
    else if (buf[i] !== CLOSE_OBJ) return false;
  }
}
