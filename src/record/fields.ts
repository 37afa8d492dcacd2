// The fields hooks match, route and template on, by name, over a RecordView. Every value is a
// string (numbers as decimal text, booleans as true/false); a field the record lacks, or holds as
// null, "" or an object, is undefined. KumoMTA writes "" for "does not apply" (site of a
// Reception, queue of a Rejection), so "" is treated as missing everywhere.
//
// Case: domains are case-insensitive by nature, so `domain`, `routing_domain`, `recipient_domain`
// and `sender_domain` are lower-cased when read (and patterns on them are lower-cased when
// compiled, see FieldDef.caseInsensitive). Header *names* are matched case-insensitively
// (`headers.subject` finds "Subject"); header values, meta keys and every other value are
// case-sensitive, as KumoMTA spells them.
import { RecordView } from './view.js';

export interface FieldDef {
  /** the name as configured: `tenant`, `meta.customer_id`, `headers.X-Campaign-Id` */
  readonly name: string;
  /** values are lower-cased when read, so patterns on them are lower-cased when compiled */
  readonly caseInsensitive: boolean;
  /**
   * false for the fields the bytes of a compact kumod line answer (src/record/view.ts): `type`, and
   * `id`, `sender`, `recipient`, `queue`, `site` with what derives from them (tenant, campaign,
   * domain, routing_domain, sender_domain, recipient_domain). Other lines are parsed for them.
   */
  readonly needsParse: boolean;
  read(view: RecordView): string | undefined;
}

export class FieldNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldNameError';
  }
}

/** A JSON value as matchable text: strings (but ""), finite numbers, booleans. */
export function scalarText(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string': return v === '' ? undefined : v;
    case 'number': return Number.isFinite(v) ? String(v) : undefined;
    case 'boolean': return v ? 'true' : 'false';
    default: return undefined;
  }
}

/** The domain of an address (after its last '@'), lower-cased; undefined without one. */
function domainOf(addr: unknown): string | undefined {
  if (typeof addr !== 'string') return undefined;
  const at = addr.lastIndexOf('@');
  if (at === -1 || at === addr.length - 1) return undefined;
  let d = addr.slice(at + 1);
  if (d.endsWith('>')) d = d.slice(0, -1);
  return d === '' ? undefined : d.toLowerCase();
}

/** The first recipient: a record covers several recipients (2025.12+) of one destination queue. */
function firstRecipient(v: RecordView): unknown {
  const r = v.top('recipient');
  return Array.isArray(r) ? r[0] : r;
}

const lower = (s: string | undefined): string | undefined => s?.toLowerCase();

type Read = (v: RecordView) => string | undefined;
const def = (name: string, read: Read, opts: { ci?: boolean; bytes?: boolean } = {}): FieldDef =>
  ({ name, caseInsensitive: opts.ci ?? false, needsParse: !(opts.bytes ?? false), read });

/** Record fields read as they are, by their KumoMTA names; the first ones from a compact line's bytes. */
const LEADING = ['id', 'sender', 'queue', 'site'] as const;
const DIRECT = [
  'egress_pool', 'egress_source', 'bounce_classification', 'reception_protocol', 'delivery_protocol',
  'provider_name', 'nodeid', 'session_id',
] as const;

const FIXED = new Map<string, FieldDef>([
  ['type', def('type', (v) => v.type(), { bytes: true })],
  // From the queue name: kumod's JsonLogRecord has no tenant or campaign field of its own (checked
  // at KumoMTA main 3ebc1e85, 2026-08); `meta.tenant` reads the meta key when the operator logs it.
  ['tenant', def('tenant', (v) => v.queue().tenant, { bytes: true })],
  ['campaign', def('campaign', (v) => v.queue().campaign, { bytes: true })],
  ['domain', def('domain', (v) => lower(v.queue().domain), { ci: true, bytes: true })],
  ['routing_domain', def('routing_domain', (v) => lower(v.queue().routing_domain), { ci: true, bytes: true })],
  ['recipient', def('recipient', (v) => scalarText(firstRecipient(v)), { bytes: true })],
  ['recipient_domain', def('recipient_domain', (v) => domainOf(firstRecipient(v)), { ci: true, bytes: true })],
  ['sender_domain', def('sender_domain', (v) => domainOf(v.top('sender')), { ci: true, bytes: true })],
  ['response.code', def('response.code', (v) => scalarText(v.nested('response', 'code')))],
  ['response.enhanced_code', def('response.enhanced_code', (v) => {
    const e = v.record()?.response?.enhanced_code;
    return e && typeof e === 'object' ? `${e.class}.${e.subject}.${e.detail}` : undefined;
  })],
  ...LEADING.map((n): [string, FieldDef] => [n, def(n, (v) => scalarText(v.top(n)), { bytes: true })]),
  ...DIRECT.map((n): [string, FieldDef] => [n, def(n, (v) => scalarText(v.member(n)))]),
]);

/** The field names a hook may use, for error messages and docs. */
export const FIELD_NAMES: readonly string[] = [...FIXED.keys(), 'meta.<key>', 'headers.<name>'];

function metaField(name: string, key: string): FieldDef {
  return def(name, (v) => scalarText(v.nested('meta', key)));
}

function headerField(name: string, header: string): FieldDef {
  return def(name, (v) => {
    // case-insensitive names; a header that appears more than once is logged as an array: its first value
    const value = v.nested('headers', header, true);
    return scalarText(Array.isArray(value) ? value[0] : value);
  });
}

const cache = new Map<string, FieldDef>();

/**
 * The field of a name; throws FieldNameError for an unknown one. `meta.<key>` takes the rest of
 * the name as the key, dots included (meta keys are flat).
 */
export function fieldDef(name: string): FieldDef {
  const known = FIXED.get(name) ?? cache.get(name);
  if (known) return known;
  let f: FieldDef;
  if (name.startsWith('meta.') && name.length > 5) f = metaField(name, name.slice(5));
  else if (name.startsWith('headers.') && name.length > 8) f = headerField(name, name.slice(8));
  else throw new FieldNameError(`unknown field '${name}' (known: ${FIELD_NAMES.join(', ')})`);
  if (cache.size < 10_000) cache.set(name, f);
  return f;
}

/** A set of fields: what some hooks need from each record. */
export class FieldSet {
  static readonly EMPTY = new FieldSet([]);
  readonly names: readonly string[];
  /** whether any field needs the parse; when not, a compact kumod line is judged from its bytes */
  readonly needsParse: boolean;

  private constructor(readonly defs: readonly FieldDef[]) {
    this.names = defs.map((d) => d.name);
    this.needsParse = defs.some((d) => d.needsParse);
  }

  /** Throws FieldNameError for an unknown name. */
  static of(names: Iterable<string>): FieldSet {
    const seen = new Map<string, FieldDef>();
    for (const n of names) if (!seen.has(n)) seen.set(n, fieldDef(n));
    return new FieldSet([...seen.values()]);
  }

  static union(sets: Iterable<FieldSet>): FieldSet {
    return FieldSet.of([...sets].flatMap((s) => s.names));
  }

  has(name: string): boolean {
    return this.names.includes(name);
  }
}

/**
 * The values of `fields` for the record `buf[start, end)`, parsing only if a field needs it.
 * A line that is not a JSON object gives `{ invalid }` with the reason, for the caller to count
 * and log with its file and line.
 */
export function parseFields(buf: Buffer, start: number, end: number, fields: FieldSet): { values: Record<string, string | undefined> } | { invalid: string } {
  const view = new RecordView(buf, start, end);
  const values: Record<string, string | undefined> = {};
  for (const f of fields.defs) values[f.name] = f.read(view);
  return view.invalid !== undefined ? { invalid: view.invalid } : { values };
}
