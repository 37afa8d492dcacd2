// `body = "fields"`: a record made of chosen fields of kumod's, in the order `fields` lists them,
// some renamed (`rename`), with constant fields added at the end (`add`).
//
// - A name is a top-level key (`type`, `response`) or a dotted path into an object
//   (`response.code`, `peer_address.addr`); `meta.<key>` and `headers.<name>` take the rest of
//   the name as one key, dots included, as match tables do (meta keys are flat).
// - A dotted path keeps the record's shape: `fields = ["type", "meta.tenant"]` gives
//   `{"type":...,"meta":{"tenant":...}}` (so a receiver that reads kumod's records reads these);
//   `rename = { "meta.tenant" = "tenant" }` puts it at the top as `tenant` instead.
// - A name the record lacks is left out. A name that is not a key of the record but a field loghook
//   derives (`tenant`, `campaign`, `domain`, `routing_domain` from the queue name;
//   `recipient_domain`, `sender_domain`; `headers.<name>` in any case) gives that text.
// - Values are copied as kumod wrote them, byte for byte: nothing is decoded and encoded again.
import { FIELD_NAMES, fieldDef } from '../record/fields.js';
import { RecordView } from '../record/view.js';
import { KeySet, scanObject } from '../record/scan.js';
import { ShapeError, type BodyWriter, type RecordShaper } from './writer.js';

export interface FieldsOptions {
  fields: readonly string[];
  rename?: Readonly<Record<string, string>>;
  add?: Readonly<Record<string, string>>;
}

/** A bad fields/rename/add setting: `key` is the config key to name. */
export class FieldsConfigError extends Error {
  constructor(
    readonly key: 'fields' | 'rename' | 'add',
    message: string,
  ) {
    super(message);
    this.name = 'FieldsConfigError';
  }
}

/**
 * One output member of an object: the value at `path` (relative to that object) under `label`,
 * or (`children`) an object of its own kept from the record's, holding only those members.
 */
interface Member {
  /** `"key":` as bytes */
  label: Buffer;
  /** value: the keys to follow from the enclosing object; a group: [its key] */
  path: string[];
  /** the configured name (a value), for derived fields */
  name: string;
  children: Level | null;
  /** a value: the key sets of path[1..], to follow the path into nested objects */
  inner: KeySet[];
}

/** The members of one output object, and the keys to look for in the record's object. */
interface Level {
  members: Member[];
  keys: KeySet;
  /** for each member, the index of path[0] in keys */
  at: number[];
  /** scratch for scanObject's ranges: a level is written by one record at a time, never nested in itself */
  ranges: Int32Array;
}

/** The path of a configured name: `meta.<key>` and `headers.<name>` have one key after the prefix. */
function pathOf(name: string): string[] {
  for (const prefix of ['meta.', 'headers.']) {
    if (name.startsWith(prefix) && name.length > prefix.length) return [prefix.slice(0, -1), name.slice(prefix.length)];
  }
  return name.split('.');
}

const labelOf = (key: string) => Buffer.from(`${JSON.stringify(key)}:`, 'utf8');

function levelOf(members: Member[]): Level {
  const keys = new KeySet([...new Set(members.map((m) => m.path[0]!))]);
  return { members, keys, at: members.map((m) => keys.keys.indexOf(m.path[0]!)), ranges: new Int32Array(keys.size * 2) };
}

const OPEN = Buffer.from('{');
const CLOSE = Buffer.from('}');
const COMMA = Buffer.from(',');

export class FieldsShaper implements RecordShaper {
  private readonly top: Level;
  private readonly added: Buffer;
  /** configured names that may fall back to a field loghook derives */
  private readonly derivable: ReadonlySet<string>;

  /** Throws FieldsConfigError naming the key. */
  constructor(o: FieldsOptions) {
    const rename = o.rename ?? {};
    const add = o.add ?? {};
    if (o.fields.length === 0) throw new FieldsConfigError('fields', 'fields is empty: list the record fields to send');
    const names = new Set<string>();
    for (const n of o.fields) {
      if (n.trim() === '' || n.startsWith('.') || n.endsWith('.') || n.includes('..')) throw new FieldsConfigError('fields', `'${n}' is not a field name or dotted path`);
      if (names.has(n)) throw new FieldsConfigError('fields', `'${n}' is listed twice`);
      names.add(n);
    }
    for (const [from, to] of Object.entries(rename)) {
      if (!names.has(from)) throw new FieldsConfigError('rename', `'${from}' is not one of fields (rename only renames fields that are sent)`);
      if (to === '') throw new FieldsConfigError('rename', `'${from}' is renamed to an empty name`);
    }
    const taken = new Map<string, string>();
    const claim = (key: string, by: string, cfg: 'fields' | 'rename' | 'add') => {
      const before = taken.get(key);
      if (before !== undefined) throw new FieldsConfigError(cfg, `${by} and ${before} would both be sent as '${key}'`);
      taken.set(key, by);
    };
    const top: Member[] = [];
    for (const n of o.fields) {
      const path = pathOf(n);
      const to = rename[n];
      if (to !== undefined) {
        claim(to, `'${n}'`, 'rename');
        top.push({ label: labelOf(to), path, name: n, children: null, inner: path.slice(1).map((k) => new KeySet([k])) });
        continue;
      }
      // under its own path, grouped with the other fields of the same object
      let level = top;
      for (let i = 0; i < path.length; i++) {
        const key = path[i]!;
        const last = i === path.length - 1;
        let m = level.find((x) => x.children !== null && x.path[0] === key && x.label.equals(labelOf(key)));
        if (last || !m) {
          if (i === 0) claim(key, `'${n}'`, 'fields');
          else if (level.some((x) => x.label.equals(labelOf(key)))) throw new FieldsConfigError('fields', `'${n}' is listed twice`);
          m = { label: labelOf(key), path: [key], name: last ? n : path.slice(0, i + 1).join('.'), children: last ? null : ({ members: [] } as unknown as Level), inner: [] };
          level.push(m);
        }
        if (!last) level = m.children!.members;
      }
    }
    for (const key of Object.keys(add)) claim(key, `add '${key}'`, 'add');
    const finish = (members: Member[]): Level => {
      for (const m of members) if (m.children) m.children = finish(m.children.members);
      return levelOf(members);
    };
    this.top = finish(top);
    this.added = Buffer.from(Object.entries(add).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join(''), 'utf8');
    const known = new Set(FIELD_NAMES);
    this.derivable = new Set(o.fields.filter((n) => known.has(n) || n.startsWith('headers.')));
  }

  write(w: BodyWriter, buf: Buffer, start: number, end: number): void {
    const ranges = this.top.ranges;
    if (!scanObject(buf, start, end, this.top.keys, ranges)) throw new ShapeError(notJson(buf, start, end));
    const ctx: WriteContext = { view: null, buf, start, end };
    const wrote = this.members(w, this.top, ranges, ctx);
    if (this.added.length > 0) w.bytes(this.added, wrote ? 0 : 1);
    w.bytes(CLOSE);
  }

  /** Writes a level's members after `{`, and `}`; whether any was written. */
  private members(w: BodyWriter, level: Level, ranges: Int32Array, ctx: WriteContext): boolean {
    w.bytes(OPEN);
    let n = 0;
    for (let i = 0; i < level.members.length; i++) {
      const m = level.members[i]!;
      const k = level.at[i]!;
      const s = ranges[2 * k]!;
      const e = ranges[2 * k + 1]!;
      const mark = n > 0 ? COMMA : null;
      if (m.children !== null) {
        if (s === -1 || ctx.buf[s] !== 0x7b) continue;
        const inner = m.children.ranges;
        if (!scanObject(ctx.buf, s, e, m.children.keys, inner)) continue;
        const back = w.mark();
        if (mark) w.bytes(mark);
        w.bytes(m.label);
        // an object none of whose listed members the record has is left out, as a missing field is
        if (this.members(w, m.children, inner, ctx)) n++;
        else w.reset(back);
        continue;
      }
      const r = s === -1 ? null : follow(ctx.buf, s, e, m.inner);
      if (r !== null) {
        if (mark) w.bytes(mark);
        w.bytes(m.label);
        w.bytes(ctx.buf, r[0], r[1]);
        n++;
      } else if (this.derivable.has(m.name)) {
        // not in the record as such: a field loghook derives (tenant, a header in any case...)
        ctx.view ??= new RecordView(ctx.buf, ctx.start, ctx.end);
        const v = fieldDef(m.name).read(ctx.view);
        if (v === undefined) continue;
        if (mark) w.bytes(mark);
        w.bytes(m.label);
        w.text(JSON.stringify(v));
        n++;
      }
    }
    if (level !== this.top) w.bytes(CLOSE);
    return n > 0;
  }
}

interface WriteContext {
  view: RecordView | null;
  buf: Buffer;
  start: number;
  end: number;
}

const ONE = new Int32Array(2);

/** The value at the path of `inner` inside buf[s, e) (the value of path[0]), or null when absent. */
function follow(buf: Buffer, s: number, e: number, inner: readonly KeySet[]): [number, number] | null {
  for (const keys of inner) {
    if (buf[s] !== 0x7b) return null;
    const out = ONE;
    if (!scanObject(buf, s, e, keys, out) || out[0] === -1) return null;
    s = out[0]!;
    e = out[1]!;
  }
  return [s, e];
}

export function notJson(buf: Buffer, start: number, end: number): string {
  try {
    JSON.parse(buf.toString('utf8', start, end));
    return 'the record is not a JSON object';
  } catch (err) {
    return `the record is not JSON: ${(err as Error).message}`;
  }
}
