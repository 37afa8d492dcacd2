// A hook's `[hook.match]` table compiled into a predicate over a record. Keys are field names
// (src/record/fields.ts); every key must hold. A value is a pattern or a list of patterns:
//   - a list holds when the value matches any of its plain patterns and none of its `!` ones
//     (`domain = ["*.com", "!gmail.com"]`: .com domains but gmail.com);
//   - a missing field matches no plain pattern, so only lists of `!` patterns hold for it:
//     `"!*"` means "the field is absent", `"*"` "the field is present";
//   - `\!` at the start is a literal '!'.
// Patterns are globs (src/hook/glob.ts), except on `response.code`: `550`, a class `5xx` / `55x`,
// or a range `550-559`. TOML numbers and booleans are taken as their text (`"meta.vip" = true`).
import { fieldDef, FieldNameError, FieldSet, type FieldDef } from '../record/fields.js';
import type { RecordView } from '../record/view.js';
import { UsageError } from '../util/errors.js';
import { compileGlob, GlobError, type StringTest } from './glob.js';

export interface Matcher {
  /** the fields the predicate reads */
  readonly needs: FieldSet;
  test(view: RecordView): boolean;
}

/** Holds for every record: the matcher of an absent or empty table. */
export const MATCH_ALL: Matcher = { needs: FieldSet.EMPTY, test: () => true };

class PatternError extends Error {}

function codeTest(p: string): StringTest {
  if (/^\d+$/.test(p)) return (s) => s === p;
  const cls = /^([1-9])([0-9xX])([0-9xX])$/.exec(p);
  if (cls) {
    const [, a, b, c] = cls as unknown as [string, string, string, string];
    const any = (d: string) => d === 'x' || d === 'X';
    return (s) => s.length === 3 && s[0] === a && (any(b) || s[1] === b) && (any(c) || s[2] === c);
  }
  const range = /^(\d+)-(\d+)$/.exec(p);
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    if (lo > hi) throw new PatternError(`the range ${p} goes downwards; write ${hi}-${lo}`);
    return (s) => {
      const n = Number(s);
      return n >= lo && n <= hi;
    };
  }
  throw new PatternError("not a response code: write a code (550), a class (5xx) or a range (550-559)");
}

function patternTest(field: FieldDef, p: string): StringTest {
  if (field.name === 'response.code') return codeTest(p);
  try {
    return compileGlob(p, field.caseInsensitive);
  } catch (err) {
    if (err instanceof GlobError) throw new PatternError(err.message);
    throw err;
  }
}

/** The test of one key's value (a pattern or a list of them) on the field's value. */
function valueTest(field: FieldDef, value: unknown): (v: string | undefined) => boolean {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new PatternError('an empty list matches nothing; remove the key or list a pattern');
  const pos: StringTest[] = [];
  const neg: StringTest[] = [];
  for (const item of list) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      throw new PatternError('a pattern is a string (or a list of strings)');
    }
    const text = String(item);
    if (text === '!') throw new PatternError("'!' alone negates nothing: write '!*' for \"absent\"");
    // a glob's own escape makes `\!x` a literal '!' followed by x
    if (text.startsWith('!')) neg.push(patternTest(field, text.slice(1)));
    else pos.push(patternTest(field, text));
  }
  if (neg.length === 0 && pos.length === 1) {
    const p = pos[0]!;
    return (v) => v !== undefined && p(v);
  }
  return (v) => {
    if (v === undefined) return pos.length === 0;
    if (pos.length > 0 && !pos.some((p) => p(v))) return false;
    return !neg.some((n) => n(v));
  };
}

/**
 * Compiles a match table. Throws UsageError naming `where` (e.g. `hook "bounces": [hook.match]`),
 * the key and the bad value.
 */
export function compileMatch(table: Readonly<Record<string, unknown>> | undefined, where = '[hook.match]'): Matcher {
  if (table === undefined) return MATCH_ALL;
  const tests: { field: FieldDef; test: (v: string | undefined) => boolean }[] = [];
  for (const [key, value] of Object.entries(table)) {
    let field: FieldDef;
    try {
      field = fieldDef(key);
    } catch (err) {
      if (err instanceof FieldNameError) throw new UsageError(`${where}: key "${key}": ${err.message}`);
      throw err;
    }
    try {
      tests.push({ field, test: valueTest(field, value) });
    } catch (err) {
      if (err instanceof PatternError) throw new UsageError(`${where}: "${key}" = ${JSON.stringify(value)}: ${err.message}`);
      throw err;
    }
  }
  if (tests.length === 0) return MATCH_ALL;
  // fields the bytes answer (type) first: a record that fails on them is never parsed
  tests.sort((a, b) => Number(a.field.needsParse) - Number(b.field.needsParse));
  const needs = FieldSet.of(tests.map((t) => t.field.name));
  // A line found not to be JSON reads as all fields missing: it must not pass as "absent" for `!`.
  if (tests.length === 1) {
    const [{ field, test }] = tests as [(typeof tests)[0]];
    return { needs, test: (view) => test(field.read(view)) && view.invalid === undefined };
  }
  return {
    needs,
    test(view) {
      for (const t of tests) if (!t.test(t.field.read(view))) return false;
      return view.invalid === undefined;
    },
  };
}
