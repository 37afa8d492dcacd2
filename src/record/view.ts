// One record's bytes, read lazily, and parsed at most once, on the first question the bytes cannot
// answer. Hooks share one view per record, so N hooks cost one parse at most.
//
// What the bytes answer, for a line in kumod's compact form (`{"type":"...` to `}`):
// - the type, as `--types` always judged it;
// - the string fields kumod writes before its first nested value (`id`, `sender`, `recipient`,
//   `queue`, `site`; `response` is the first object). Before the first '{' there is no nested
//   value, and a raw `,"queue":"` cannot sit inside a JSON string (its quotes would be escaped),
//   so the first such key there is the record's own. A value with an escape, a key not found
//   there (another writer's order, a recipient array) or any other line: parsed.
// A compact line is trusted for these as it is for its type: a line that is not JSON after them
// is only found out by a question that needs the parse.
import { compactTypeEnd, typeAt } from './classify.js';
import { parseQueueName, type QueueParts } from './queue-name.js';
import { parseRecord, RecordParseError, type KumoRecord } from './record.js';
import { ABSENT, GAVE_UP, NESTED, valueAt, valueEnd, valueStart } from './scan.js';

const keyBytes = new Map<string, Buffer>();
/** A key's bytes (and lower-cased, for `fold`), made once per name. */
function keyOf(key: string, fold = false): Buffer {
  const k = fold ? `\0${key.toLowerCase()}` : key;
  let b = keyBytes.get(k);
  if (b === undefined) {
    b = Buffer.from(fold ? key.toLowerCase() : key);
    if (keyBytes.size < 10_000) keyBytes.set(k, b);
  }
  return b;
}

// Any LogRecord line holds this; so do a few others (a meta value "LogRecord"), which a parse then
// clears. The short needle is ~4x quicker per line than the whole `"reception_protocol":"LogRecord"`
// (Buffer#indexOf sets up a costlier search for longer needles).
const LOG_RECORD = Buffer.from('LogRecord"');
const HEAD = new Map(['id', 'sender', 'recipient', 'queue', 'site'].map((k) => [k, Buffer.from(`,"${k}":"`)]));
const OPEN_BRACE = 0x7b;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export class RecordView {
  /** undefined: not parsed yet; null: the line is not a JSON object (see `invalid`) */
  private rec: KumoRecord | null | undefined;
  /** -2: not looked yet; -1: not compact; else the offset of the quote closing the type name */
  private quote = -2;
  private queueParts: QueueParts | undefined;
  /** a scan gave up on these bytes: the parse decides */
  private unscannable = false;
  /** the last scanned answer (a hook's keep and route read the same field one after the other) */
  private lastKey: string | undefined;
  private lastSub: string | undefined;
  private lastValue: unknown;
  /** why the line is not a record, once a parse was tried and failed */
  invalid: string | undefined;

  constructor(
    readonly buf: Buffer,
    readonly start: number,
    readonly end: number,
  ) {}

  /** A view of a record that is already parsed (a dead letter, a test). */
  static ofRecord(rec: KumoRecord): RecordView {
    const v = new RecordView(Buffer.alloc(0), 0, 0);
    v.rec = rec;
    v.quote = -1;
    return v;
  }

  /** Whether the line has been parsed (a type-only hook never makes it parse). */
  get parsed(): boolean {
    return this.rec !== undefined;
  }

  /** The parsed record, parsing on first use; null when the line is not a JSON object. */
  record(): KumoRecord | null {
    if (this.rec === undefined) {
      try {
        this.rec = parseRecord(this.buf.toString('utf8', this.start, this.end));
      } catch (err) {
        if (!(err instanceof RecordParseError)) throw err;
        this.rec = null;
        this.invalid = err.message;
      }
    }
    return this.rec;
  }

  /** Whether the line is in kumod's compact form, so that its bytes answer for the type. */
  isCompact(): boolean {
    return this.compactQuote() !== -1;
  }

  private compactQuote(): number {
    if (this.quote === -2) this.quote = compactTypeEnd(this.buf, this.start, this.end);
    return this.quote;
  }

  /**
   * The record type. From the bytes when the line is compact, as `--types` has always judged it:
   * such a line keeps its type even if the rest of it is not JSON. Undefined for a line that is
   * not a record at all, or a record without a type (other writers' records).
   */
  type(): string | undefined {
    if (this.rec === undefined) {
      const q = this.compactQuote();
      if (q !== -1) return typeAt(this.buf, this.start, q);
    }
    const t = this.record()?.type;
    return t === '' ? undefined : t;
  }

  /**
   * Whether this is KumoMTA's own webhook bookkeeping (reception_protocol "LogRecord"). A compact
   * line without that text is judged from its bytes; one with it is parsed to be sure, because the
   * same key may sit in `meta`. `hint` is the caller's batch-wide search result for this line.
   * A line that has to be parsed and is not JSON counts as not a LogRecord (see `invalid`).
   */
  isLogRecord(hint?: boolean): boolean {
    if (this.rec === undefined && this.compactQuote() !== -1) {
      const suspect = hint ?? this.buf.subarray(this.start, this.end).indexOf(LOG_RECORD) !== -1;
      if (!suspect) return false;
    }
    return this.record()?.reception_protocol === 'LogRecord';
  }

  /**
   * A top-level field's value: from the bytes for kumod's leading string fields of a compact line
   * (see the top of this file), else from the parse; undefined when absent or not a record.
   */
  top(key: string): unknown {
    if (this.rec === undefined) {
      const needle = HEAD.get(key);
      if (needle && this.compactQuote() !== -1) {
        const v = this.headString(needle);
        if (v !== undefined) return v;
      }
    }
    return this.record()?.[key];
  }

  /** The string after `needle` before the line's first nested value; undefined when unsure. */
  private headString(needle: Buffer): string | undefined {
    const { buf, end } = this;
    const from = this.start + 1;
    // every kumod record has an object (response), and the next line starts with one: this stays near
    let limit = buf.indexOf(OPEN_BRACE, from);
    if (limit === -1 || limit > end) limit = end;
    const at = buf.subarray(from, limit).indexOf(needle);
    if (at === -1) return undefined;
    const value = from + at + needle.length;
    for (let i = value; i < limit; i++) {
      const c = buf[i];
      if (c === QUOTE) return buf.toString('utf8', value, i);
      if (c === BACKSLASH) return undefined;
    }
    return undefined;
  }

  /**
   * A top-level member's value without the parse where the scan can (scan.ts): a string, number,
   * boolean or null; an object or array comes from the parse. Undefined when absent.
   */
  member(key: string): unknown {
    if (this.rec === undefined && !this.unscannable) {
      const vs = valueStart(this.buf, this.start, this.end, keyOf(key));
      if (vs === ABSENT) return undefined;
      if (vs === GAVE_UP) this.unscannable = true;
      else {
        const v = this.valueFrom(vs);
        if (v !== NESTED && v !== GAVE_UP) return v;
      }
    }
    return this.record()?.[key];
  }

  /**
   * The value of `sub` in the top-level object `key` (`meta.tenant`, `response.code`), scanned
   * like member(); `fold` ignores ASCII case in `sub` (header names). Undefined when absent or when
   * `key` is not an object.
   */
  nested(key: string, sub: string, fold = false): unknown {
    if (this.lastKey === key && this.lastSub === sub && this.rec === undefined) return this.lastValue;
    const v = this.nestedOnce(key, sub, fold);
    if (this.rec === undefined) {
      this.lastKey = key;
      this.lastSub = sub;
      this.lastValue = v;
    }
    return v;
  }

  private nestedOnce(key: string, sub: string, fold: boolean): unknown {
    if (this.rec === undefined && !this.unscannable) {
      const os = valueStart(this.buf, this.start, this.end, keyOf(key));
      if (os === ABSENT) return undefined;
      if (os === GAVE_UP) this.unscannable = true;
      else {
        const oe = valueEnd(this.buf, os, this.end);
        if (oe !== -1) {
          const vs = valueStart(this.buf, os, oe, keyOf(sub, fold), fold);
          if (vs === ABSENT) return undefined;
          if (vs !== GAVE_UP) {
            const v = this.valueFrom(vs, oe);
            if (v !== NESTED && v !== GAVE_UP) return v;
          }
        }
      }
    }
    const o = this.record()?.[key];
    if (!o || typeof o !== 'object') return undefined;
    const rec = o as Record<string, unknown>;
    if (!fold || sub in rec) return rec[sub];
    const folded = sub.toLowerCase();
    for (const name in rec) if (name.length === folded.length && name.toLowerCase() === folded) return rec[name];
    return undefined;
  }

  /** The scalar value starting at `vs`; GAVE_UP (and the view parses from now on) when unsure. */
  private valueFrom(vs: number, end = this.end): unknown {
    const ve = valueEnd(this.buf, vs, end);
    const v = ve === -1 ? undefined : valueAt(this.buf, vs, ve);
    if (v === undefined) {
      this.unscannable = true;
      return GAVE_UP;
    }
    return v;
  }

  /** The parts of the record's `queue`, split once per record. */
  queue(): QueueParts {
    if (this.queueParts === undefined) {
      const q = this.top('queue');
      this.queueParts = parseQueueName(typeof q === 'string' ? q : '');
    }
    return this.queueParts;
  }
}
