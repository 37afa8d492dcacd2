// The generic value types of the config file as zod schemas (hook-fields.ts has the hook's own).
// Each accepts what TOML gives (a string, a number, a boolean, an array, a table) and outputs the
// typed value in Config's units, or adds an issue whose message says what was expected. The key
// and the line are added by load.ts. This is the only file that builds zod schemas.
//
// Durations in the file always carry a unit ("30s", "250ms"): a bare number is refused, because
// `timeout = 30` reads as seconds to some and as milliseconds to others (the flags, for
// compatibility, still take a plain number as milliseconds). Sizes may be a bare integer (bytes).
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { parseCount, parseDuration, parseSize } from './units.js';
import { UsageError, errnoCode, errorMessage } from '../util/errors.js';

/** Thrown by a value parser; becomes one issue at the value's key. */
export class Bad extends Error {}

/** A zod schema from a parse function that throws with a message (UsageErrors from units.ts too). */
export function field<T>(parse: (v: unknown) => T): z.ZodType<T, unknown> {
  return z.unknown().transform((v, ctx) => {
    try {
      return parse(v);
    } catch (err) {
      // a bug is not a problem of the file: only the parsers' own errors become issues
      if (!(err instanceof Bad || err instanceof UsageError)) throw err;
      ctx.issues.push({ code: 'custom', message: cleanUnitMessage(err.message), input: v });
      return z.NEVER;
    }
  });
}

/** units.ts names the value in its messages (`name: "x" is not ...`); the key is named by load.ts. */
function cleanUnitMessage(m: string): string {
  return m.startsWith('value: ') ? m.slice('value: '.length) : m;
}

/** How a TOML value reads in a message. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v}`;
  if (v instanceof Date) return 'a date-time';
  if (Array.isArray(v)) return 'an array';
  if (v !== null && typeof v === 'object') return 'a table';
  return String(v);
}

export function want(what: string, v: unknown): never {
  throw new Bad(`expected ${what}, got ${describe(v)}`);
}

export function text(v: unknown): string {
  if (typeof v !== 'string') want('a string', v);
  if (v.trim() === '') throw new Bad('must not be empty');
  return v;
}

export const str = field(text);

export const duration = field((v) => {
  if (typeof v === 'number' || (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(v))) {
    throw new Bad(`${String(v).trim()} has no unit: write a duration with one, e.g. "${String(v).trim()}ms" or "30s" (units: ms, s, m, h, d, w)`);
  }
  return parseDuration(text(v), 'value');
});

export const size = field((v) => {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw new Bad(`expected a size like "512KiB" or a whole number of bytes, got ${describe(v)}`);
    return v;
  }
  return parseSize(text(v), 'value');
});

export const count = (min = 1) =>
  field((v) => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) want('a whole number', v);
      if (v < min) throw new Bad(`must be at least ${min}, got ${v}`);
      return v;
    }
    if (typeof v === 'string') return parseCount(v, 'value', min);
    return want('a whole number', v);
  });

/** max_queue: a plain number counts records, a size counts bytes (as --max-queue). */
export const maxQueue = field((v): { records: number } | { bytes: number } => {
  if (typeof v === 'number' || (typeof v === 'string' && /^\s*\d+\s*$/.test(v))) {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Bad(`expected a number of records (1000000) or a size ("2GiB"), got ${describe(v)}`);
    return { records: n };
  }
  return { bytes: parseSize(text(v), 'value') };
});

export const bool = field((v) => (typeof v === 'boolean' ? v : want('true or false', v)));

export const oneOf = <const T extends readonly string[]>(values: T) =>
  field((v): T[number] => {
    if (typeof v === 'string' && values.includes(v)) return v as T[number];
    return want(`one of ${values.map((x) => `"${x}"`).join(', ')}`, v);
  });

export function list<T>(item: (v: unknown) => T, what: string): z.ZodType<T[], unknown> {
  return field((v) => {
    const arr = Array.isArray(v) ? v : want(`${what}`, v);
    if (arr.length === 0) throw new Bad('must not be an empty list');
    return arr.map((x, i) => {
      try {
        return item(x);
      } catch (err) {
        if (!(err instanceof Bad || err instanceof UsageError)) throw err;
        throw new Bad(`item ${i + 1}: ${cleanUnitMessage(err.message)}`);
      }
    });
  });
}

/** A string or a list of strings, as a list. */
export function oneOrMany(v: unknown, what: string): unknown[] {
  return typeof v === 'string' ? [v] : Array.isArray(v) ? v : want(what, v);
}

const RATE_UNITS: Record<string, number> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600, d: 86_400, day: 86_400 };

/** "100/s", "6000/min", "10/h": events per second. */
export const rate = field((v) => {
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*\/\s*([a-z]+)\s*$/i.exec(v) : null;
  const per = m ? RATE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || per === undefined) throw new Bad(`expected a rate like "100/s", "6000/min" or "10/h", got ${describe(v)}`);
  const n = Number(m[1]);
  if (n <= 0) throw new Bad('must be more than 0 (leave it out for no limit)');
  return n / per;
});

/** [metrics] listen: "host:port" ("[::1]:9464" for IPv6). */
export const listen = field((v) => {
  const s = text(v);
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : -1;
  if (!m || port > 65535) throw new Bad(`expected "host:port", e.g. "127.0.0.1:9464", got ${describe(v)}`);
  return { host: (m[1] ?? m[2])!, port };
});

export type StartAt = { kind: 'oldest' } | { kind: 'end' } | { kind: 'time'; atMs: number };

/** start_at: "oldest", "end", or a time with a zone (a TOML date-time or an RFC 3339 string). */
export const startAt = field((v): StartAt => {
  if (v === 'oldest' || v === 'end') return { kind: v };
  if (v instanceof Date) return { kind: 'time', atMs: v.getTime() };
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(v) && !Number.isNaN(Date.parse(v))) {
    return { kind: 'time', atMs: Date.parse(v) };
  }
  return want('"oldest", "end" or a time with a zone like "2026-11-30T00:00:00Z"', v);
});

/** A path, relative to the config file's directory. */
export const pathIn = (baseDir: string) => field((v) => resolve(baseDir, text(v)));

/** A file that must be readable now (a CA, a key, a template): found at start, not at the first request. */
export const readableFile = (baseDir: string) =>
  field((v) => {
    const p = resolve(baseDir, text(v));
    try {
      accessSync(p, constants.R_OK);
    } catch (err) {
      throw new Bad(`cannot read ${p}: ${errnoCode(err) ?? errorMessage(err)}`);
    }
    return p;
  });
