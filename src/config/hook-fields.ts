// The value types of a [[hook]] (and of a routes file) as zod schemas: record types, statuses,
// templates, endpoint URLs, headers, match tables, signing secrets, the hook's name.
// Messages never echo a value that may be a secret (a URL, a header value, a signing secret).
import { parseStatusList, type StatusRange } from '../sinks/http/policy.js';
import { parseHeaderOption, type HeaderItem } from '../sinks/http/headers.js';
import { RECORD_TYPES, isKnownType, type RecordType } from '../record/record.js';
import { UsageError, errorMessage } from '../util/errors.js';
import { fieldNameProblem } from './field-names.js';
import { fillTemplate, parseTemplate } from './template-syntax.js';
import { Bad, describe, field, oneOrMany, text, want } from './fields.js';

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
      throw new Bad(`not a valid URL (expected e.g. ${schemes[schemes.length - 1]}://host/path)`);
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
    throw new Bad('not a NATS server address (expected nats://host:4222, tls://host:4222 or host:4222)');
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
      if (!(err instanceof UsageError)) throw err;
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

/** Standard Webhooks secrets: `whsec_` + base64; one, or a list (rotation: every one signs). */
export const signingSecrets = field((v): string[] => {
  const items = oneOrMany(v, 'a "whsec_..." secret or a list of them');
  if (items.length === 0) throw new Bad('must not be an empty list');
  return items.map((s, i) => {
    // the value is a secret: say what is wrong with it, never what it is
    const b64 = typeof s === 'string' && s.startsWith('whsec_') ? s.slice('whsec_'.length) : null;
    if (b64 === null || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 === 1 || Buffer.from(b64, 'base64').length === 0) {
      throw new Bad(`${items.length > 1 ? `secret ${i + 1}: ` : ''}not of the form whsec_<base64> (a Standard Webhooks secret)`);
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

/** A hook's name names its queue for good: short, lower case, no surprises in paths or metrics. */
export const hookName = field((v) => {
  const s = typeof v === 'string' ? v : want('a string', v);
  if (!/^[a-z0-9_-]{1,64}$/.test(s)) throw new Bad(`${JSON.stringify(s)} is not a hook name: use 1-64 of a-z, 0-9, _ and -`);
  return s;
});
