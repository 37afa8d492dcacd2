// The value types of the config file as zod schemas: each accepts what TOML gives (a string, a
// number, a boolean, an array, a table) and outputs the typed value in Config's units, or adds
// an issue whose message says what was expected. The key and the line are added by load.ts.
//
// Durations in the file always carry a unit ("30s", "250ms"): a bare number is refused, because
// `timeout = 30` reads as seconds to some and as milliseconds to others (the flags, for
// compatibility, still take a plain number as milliseconds). Sizes may be a bare integer (bytes).
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { parseCount, parseDuration, parseSize } from './units.js';
import { parseStatusList, type StatusRange } from '../sinks/http/policy.js';
import { parseHeaderOption, type HeaderItem } from '../sinks/http/headers.js';
import { RECORD_TYPES, isKnownType, type RecordType } from '../record/record.js';
import { fieldNameProblem } from './field-names.js';
import { fillTemplate, parseTemplate } from './template-syntax.js';
import { errnoCode, errorMessage } from '../util/errors.js';

/** Thrown by a value parser; becomes one issue at the value's key. */
class Bad extends Error {}

/** A zod schema from a parse function that throws with a message (UsageErrors from units.ts too). */
export function field<T>(parse: (v: unknown) => T): z.ZodType<T, unknown> {
  return z.unknown().transform((v, ctx) => {
    try {
      return parse(v);
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: cleanUnitMessage(errorMessage(err)), input: v });
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

function want(what: string, v: unknown): never {
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
        throw new Bad(`item ${i + 1}: ${cleanUnitMessage(errorMessage(err))}`);
      }
    });
  });
}

/** A string or a list of strings, as a list. */
export function oneOrMany(v: unknown, what: string): unknown[] {
  return typeof v === 'string' ? [v] : Array.isArray(v) ? v : want(what, v);
}

export const recordTypes = field((v): RecordType[] => {
  const items = oneOrMany(v, 'a list of record types');
  if (items.length === 0) throw new Bad('must not be an empty list (leave it out to publish every type)');
  const bad = items.filter((t) => typeof t !== 'string' || !isKnownType(t));
  if (bad.length > 0) throw new Bad(`unknown record type ${bad.map((b) => JSON.stringify(b)).join(', ')} (known: ${RECORD_TYPES.join(', ')})`);
  return items as RecordType[];
});

/** retry_on / final_on: "404,409", "4xx", or a list of such items (integers too). */
export const statuses = field((v): StatusRange[] => {
  const items = oneOrMany(v, 'statuses like "404,409", "4xx" or a list of them');
  return items.flatMap((x) => {
    if (typeof x !== 'string' && typeof x !== 'number') want('a status such as 404 or "5xx"', x);
    return parseStatusList(String(x), 'value').map((r) => ({ ...r }));
  });
});

/** `{field}` template: the syntax and the field names (rendering is src/hook/template.ts's). */
export function templateText(v: unknown): string {
  const t = parseTemplate(text(v));
  if (!t.ok) throw new Bad(t.error);
  return v as string;
}
export const template = field(templateText);

/** An endpoint URL of the given schemes; `{field}` placeholders allowed when `templated`. */
export function url(schemes: readonly string[], templated: boolean) {
  return field((v) => {
    const s = text(v);
    let plain = s;
    if (templated) {
      const t = parseTemplate(s);
      if (!t.ok) throw new Bad(t.error);
      plain = fillTemplate(t.parts, 'x');
    } else if (/[{}]/.test(s)) {
      throw new Bad('cannot be a template here (no {field} placeholders)');
    }
    let u: URL;
    try {
      u = new URL(plain);
    } catch {
      // not echoed: a URL may carry a password
      throw new Bad(`is not a valid URL (expected e.g. ${schemes[0]}://host/path)`);
    }
    if (!schemes.includes(u.protocol.slice(0, -1))) {
      throw new Bad(`must start with ${schemes.map((x) => `${x}://`).join(' or ')}, got "${u.protocol}//"`);
    }
    return s;
  });
}

/** A NATS server: nats://host:port, tls://host:port, or host:port. */
export const natsServer = (v: unknown): string => {
  const s = text(v);
  const withScheme = /^[a-z]+:\/\//i.test(s) ? s : `nats://${s}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new Bad('is not a NATS server address (expected nats://host:4222, tls://host:4222 or host:4222)');
  }
  if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(u.protocol)) throw new Bad(`must be nats://, tls://, ws:// or wss://, got "${u.protocol}//"`);
  return s;
};

/** `headers = { "X-Api-Key" = "..." }`, checked as --header is (never echoing a value). */
export const headerTable = field((v): HeaderItem[] => {
  const t = table(v, 'a table of header names and values, e.g. { "X-Api-Key" = "..." }');
  return Object.entries(t).map(([name, value]) => {
    if (typeof value !== 'string') throw new Bad(`header "${name}": expected a string value, got ${describe(value)}`);
    try {
      return parseHeaderOption(`${name}: ${value}`, 'header');
    } catch (err) {
      // headers.ts words it for --header ('Name: value'); the file writes a table entry
      throw new Bad(errorMessage(err).replace(/^header "[^"]*": /, `header "${name}": `).replace(/ \(expected 'Name: value'\)$/, ''));
    }
  });
});

/** A table of strings (rename, add). */
export const stringTable = field((v): Record<string, string> => {
  const t = table(v, 'a table of strings');
  for (const [k, x] of Object.entries(t)) if (typeof x !== 'string') throw new Bad(`"${k}": expected a string, got ${describe(x)}`);
  return t as Record<string, string>;
});

export interface MatchRule {
  /** a field name of field-names.ts */
  field: string;
  /** the record matches the rule when the field matches any of these globs */
  globs: string[];
}

/** `[hook.match]`: field -> glob or list of globs (integers are taken as their digits). */
export const matchTable = field((v): MatchRule[] => {
  const t = table(v, 'a table of field = glob or [globs]');
  return Object.entries(t).map(([name, x]) => {
    const why = fieldNameProblem(name);
    if (why) throw new Bad(why);
    const globs = (typeof x === 'string' || typeof x === 'number' ? [x] : Array.isArray(x) ? x : want(`"${name}" = a glob or a list of globs`, x)).map((g) => {
      if (typeof g === 'number') return String(g);
      if (typeof g !== 'string' || g === '') throw new Bad(`"${name}": expected glob strings, got ${describe(g)}`);
      return g;
    });
    if (globs.length === 0) throw new Bad(`"${name}": an empty list matches nothing`);
    return { field: name, globs };
  });
});

function table(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) want(what, v);
  return v as Record<string, unknown>;
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

/** Standard Webhooks secrets: `whsec_` + base64; one, or a list (rotation: every one signs). */
export const signingSecrets = field((v): string[] => {
  const items = oneOrMany(v, 'a "whsec_..." secret or a list of them');
  if (items.length === 0) throw new Bad('must not be an empty list');
  return items.map((s, i) => {
    // the value is a secret: say what is wrong with it, never what it is
    const b64 = typeof s === 'string' && s.startsWith('whsec_') ? s.slice('whsec_'.length) : null;
    if (b64 === null || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1 || Buffer.from(b64, 'base64').length === 0) {
      throw new Bad(`${items.length > 1 ? `secret ${i + 1}: ` : ''}is not of the form whsec_<base64> (a Standard Webhooks secret)`);
    }
    return s as string;
  });
});

/** signature_format: where the signature goes, `<hex>` or `<base64>`, e.g. "sha256=<hex>". */
export const signatureFormat = field((v) => {
  const s = text(v);
  const n = (s.match(/<hex>|<base64>/g) ?? []).length;
  if (n !== 1) throw new Bad(`must contain <hex> or <base64> once, where the signature goes (e.g. "sha256=<hex>" or "v1,<base64>")`);
  return s;
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

/** A hook's name names its queue for good: short, lower case, no surprises in paths or metrics. */
export const hookName = field((v) => {
  const s = typeof v === 'string' ? v : want('a string', v);
  if (!/^[a-z0-9_-]{1,64}$/.test(s)) throw new Bad(`${JSON.stringify(s)} is not a hook name: use 1-64 of a-z, 0-9, _ and -`);
  return s;
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
