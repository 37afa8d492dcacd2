// `body = "template"`: each record rendered through the operator's template (template.ts), with
// KumoMTA's context: the record's fields by name (`{{ type }}`, `{{ response.code }}`) and the
// whole record as `log_record`. Only the fields the template names are read from the bytes
// (scan.ts) and parsed; the whole record is parsed, once, only when the template names
// `log_record`, and `{{ log_record | tojson }}` then copies kumod's own JSON text.
// A name that is not a key of the record but a field loghook derives (`tenant`, `campaign`,
// `domain`, `routing_domain`, `recipient_domain`, `sender_domain`) holds that text.
import { FIELD_NAMES, fieldDef } from '../record/fields.js';
import { RecordView } from '../record/view.js';
import { KeySet, scanObject } from '../record/scan.js';
import { TemplateRenderError, withKnownJson, type CompiledTemplate } from './template.js';
import { notJson } from './fields.js';
import { ShapeError, type BodyWriter, type RecordShaper } from './writer.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** One JSON value's bytes as a JavaScript value: a plain string without escapes is just decoded. */
function valueOf(buf: Buffer, s: number, e: number): unknown {
  if (buf[s] === QUOTE) {
    let i = s + 1;
    while (i < e && buf[i] !== BACKSLASH) i++;
    if (i >= e) return buf.toString('utf8', s + 1, e - 1);
  }
  return JSON.parse(buf.toString('utf8', s, e));
}

export class TemplateShaper implements RecordShaper {
  private readonly keys: KeySet;
  private readonly out: Int32Array;
  private readonly whole: boolean;
  private readonly derived: string[];

  /** `oneLine`: the output must hold no line break (an NDJSON batch) */
  constructor(
    private readonly tpl: CompiledTemplate,
    private readonly oneLine: boolean,
    /** where the template came from, for messages: `template_file /etc/loghook/events.j2` */
    private readonly where: string,
  ) {
    this.whole = tpl.names.has('log_record');
    const names = [...tpl.names].filter((n) => n !== 'log_record');
    this.keys = new KeySet(names);
    this.out = new Int32Array(names.length * 2);
    const known = new Set(FIELD_NAMES);
    this.derived = names.filter((n) => known.has(n));
  }

  write(w: BodyWriter, buf: Buffer, start: number, end: number): void {
    let text: string;
    try {
      text = this.whole ? this.renderWhole(buf, start, end) : this.renderFields(buf, start, end);
    } catch (err) {
      if (err instanceof TemplateRenderError) throw new ShapeError(`${this.where}: ${err.message}`);
      throw err;
    }
    if (this.oneLine && /[\r\n]/.test(text)) {
      throw new ShapeError(`${this.where}: the template rendered more than one line, and an ndjson batch holds one line per record (drop the line breaks, or batch_format = "array")`);
    }
    w.text(text);
  }

  private renderWhole(buf: Buffer, start: number, end: number): string {
    const json = buf.toString('utf8', start, end);
    let rec: unknown;
    try {
      rec = JSON.parse(json);
    } catch (err) {
      throw new ShapeError(`the record is not JSON: ${(err as Error).message}`);
    }
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new ShapeError('the record is not a JSON object');
    const r = rec as Record<string, unknown>;
    // a new object: the record itself must not hold log_record (tojson would then recurse)
    const ctx: Record<string, unknown> = { log_record: r };
    for (const k of this.keys.keys) if (k in r) ctx[k] = r[k];
    this.addDerived(ctx, buf, start, end);
    return withKnownJson(r, json, () => this.tpl.render(ctx));
  }

  private renderFields(buf: Buffer, start: number, end: number): string {
    const out = this.out;
    if (!scanObject(buf, start, end, this.keys, out)) throw new ShapeError(notJson(buf, start, end));
    const ctx: Record<string, unknown> = {};
    const keys = this.keys.keys;
    for (let k = 0; k < keys.length; k++) {
      const s = out[2 * k]!;
      if (s !== -1) ctx[keys[k]!] = valueOf(buf, s, out[2 * k + 1]!);
    }
    this.addDerived(ctx, buf, start, end);
    return this.tpl.render(ctx);
  }

  private addDerived(ctx: Record<string, unknown>, buf: Buffer, start: number, end: number): void {
    let view: RecordView | null = null;
    for (const n of this.derived) {
      if (ctx[n] !== undefined) continue;
      view ??= new RecordView(buf, start, end);
      const v = fieldDef(n).read(view);
      if (v !== undefined) ctx[n] = v;
    }
  }
}
