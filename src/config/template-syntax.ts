// The `{field}` template syntax of `url`, `routing_key`, `subject` and `route_key`: validation
// only (src/hook/template.ts renders). The grammar:
//   template    = *( literal / placeholder )
//   placeholder = "{" field "}"          field: a name of field-names.ts, e.g. {tenant}, {meta.region}
//   literal     = any text without { or }, or "{{" (a literal {) or "}}" (a literal })
import { fieldNameProblem } from './field-names.js';

export type TemplatePart = { text: string } | { field: string };

export type TemplateParse = { ok: true; parts: TemplatePart[]; fields: string[] } | { ok: false; error: string };

export function parseTemplate(text: string): TemplateParse {
  const parts: TemplatePart[] = [];
  const fields: string[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '{' && text[i + 1] === '{') {
      literal += '{';
      i++;
    } else if (c === '}' && text[i + 1] === '}') {
      literal += '}';
      i++;
    } else if (c === '}') {
      return { ok: false, error: `a '}' at character ${i + 1} closes no '{' (write '}}' for a literal brace)` };
    } else if (c === '{') {
      const close = text.indexOf('}', i + 1);
      const open = text.indexOf('{', i + 1);
      if (close === -1 || (open !== -1 && open < close)) {
        return { ok: false, error: `the '{' at character ${i + 1} is never closed (write {field}, or '{{' for a literal brace)` };
      }
      const field = text.slice(i + 1, close);
      if (field.trim() === '') return { ok: false, error: `an empty placeholder '{}' at character ${i + 1}` };
      if (field !== field.trim()) return { ok: false, error: `placeholder '{${field}}' has spaces around its field name` };
      const why = fieldNameProblem(field);
      if (why) return { ok: false, error: `placeholder {${field}}: ${why}` };
      if (literal) parts.push({ text: literal });
      literal = '';
      parts.push({ field });
      if (!fields.includes(field)) fields.push(field);
      i = close;
    } else {
      literal += c;
    }
  }
  if (literal) parts.push({ text: literal });
  return { ok: true, parts, fields };
}

/** The fields a valid template refers to, in order of first use ([] for a plain string). */
export function templateFields(text: string): string[] {
  const t = parseTemplate(text);
  return t.ok ? t.fields : [];
}

/** The template with every placeholder replaced by `stand-in` (to check that the rest is a URL). */
export function fillTemplate(parts: readonly TemplatePart[], standIn: string): string {
  return parts.map((p) => ('field' in p ? standIn : p.text)).join('');
}
