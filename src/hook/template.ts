// Templates over record fields: `https://hooks.example.com/{tenant}/kumo`, `kumo.{type}.{tenant}`.
// `{name}` is a field (src/record/fields.ts); `{{` and `}}` are literal braces. Each value is
// encoded for where it lands, so a value can never change the shape of what it is put into:
//   url-path   encodeURIComponent: '/', '?', '#', '%', spaces... are escaped. A value "." or ".."
//              counts as missing: URL parsers resolve such a segment, even escaped (%2e%2e), and
//              it would climb out of its place in the path.
//   url-query  encodeURIComponent.
//   url        url-path before the template's first literal '?', url-query after it.
//   subject    a NATS subject token or an AMQP topic routing-key word: '.', '*', '>', '#',
//              whitespace and control characters become '_' (they separate or wildcard tokens).
//              Distinct values can meet ("a.b" and "a_b" both give "a_b").
//   none       the value as it is.
// A field with no value (see fields.ts: missing, null, "") makes `render` report it missing: the
// caller counts the record as unrouted instead of sending it to a wrong place.
import { fieldDef, FieldNameError, type FieldDef } from '../record/fields.js';
import type { RecordView } from '../record/view.js';
import { UsageError } from '../util/errors.js';

export type TemplateEncoding = 'url' | 'url-path' | 'url-query' | 'subject' | 'none';

export interface Template {
  readonly text: string;
  /** the field names it reads, in order of first use */
  readonly fields: readonly string[];
  /** false when it has no field: the text is the only value it renders */
  readonly dynamic: boolean;
  render(view: RecordView): string | { missing: string };
}

type Encoder = (v: string) => string | undefined;

const SUBJECT_UNSAFE = /[.*>#\s\x00-\x1f\x7f]/gu;
const ENCODERS: Record<Exclude<TemplateEncoding, 'url'>, Encoder> = {
  'url-path': (v) => (v === '.' || v === '..' ? undefined : encodeURIComponent(v)),
  'url-query': (v) => encodeURIComponent(v),
  subject: (v) => v.replace(SUBJECT_UNSAFE, '_'),
  none: (v) => v,
};

type Part = string | { field: FieldDef; encode: Encoder };

/** Compiles a template; throws UsageError naming `where`, the text and the column of the fault. */
export function compileTemplate(text: string, opts: { encode: TemplateEncoding; where?: string }): Template {
  const where = opts.where ?? 'template';
  const fail = (at: number, why: string): never => {
    throw new UsageError(`${where}: ${JSON.stringify(text)}, column ${at + 1}: ${why}`);
  };
  const parts: Part[] = [];
  let lit = '';
  let inQuery = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '{' && text[i + 1] === '{') {
      lit += '{';
      i++;
    } else if (c === '}' && text[i + 1] === '}') {
      lit += '}';
      i++;
    } else if (c === '}') {
      fail(i, "a '}' without its '{' (write '}}' for the character itself)");
    } else if (c === '{') {
      const close = text.indexOf('}', i + 1);
      if (close === -1) fail(i, "a '{' without its '}' (write '{{' for the character itself)");
      const name = text.slice(i + 1, close).trim();
      if (name === '') fail(i, 'an empty field name {}');
      if (name.includes('{')) fail(i, "a '{' inside a field name");
      let field: FieldDef;
      try {
        field = fieldDef(name);
      } catch (err) {
        if (err instanceof FieldNameError) fail(i, err.message);
        throw err;
      }
      if (lit !== '') parts.push(lit);
      lit = '';
      const mode = opts.encode === 'url' ? (inQuery ? 'url-query' : 'url-path') : opts.encode;
      parts.push({ field: field!, encode: ENCODERS[mode] });
      i = close;
    } else {
      if (c === '?') inQuery = true;
      lit += c;
    }
  }
  if (lit !== '') parts.push(lit);
  const fields = [...new Set(parts.flatMap((p) => (typeof p === 'string' ? [] : [p.field.name])))];
  return {
    text,
    fields,
    dynamic: fields.length > 0,
    render(view) {
      let out = '';
      for (const p of parts) {
        if (typeof p === 'string') {
          out += p;
          continue;
        }
        const v = p.field.read(view);
        const e = v === undefined ? undefined : p.encode(v);
        if (e === undefined) return { missing: p.field.name };
        out += e;
      }
      return out;
    },
  };
}
