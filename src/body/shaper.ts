// A hook's body shaping (config `body`, `fields`, `rename`, `add`, `template`, `template_file`,
// `batch_format`), compiled once per hook and shared by its endpoints' sinks.
//
// `body = "raw"` with `array` or `ndjson` has no shaper at all: the request builder keeps the
// byte-copy fast path (deliver/batch-body.ts), nothing parsed. Every other combination builds
// the body record by record here (batch.ts), each record read once.
import { readFileSync } from 'node:fs';
import type { BatchFormat, BodyConfig } from '../config/schema.js';
import { UsageError, errnoCode, errorMessage } from '../util/errors.js';
import { buildBody, type BatchInput, type BuiltBody } from './batch.js';
import { FieldsConfigError, FieldsShaper } from './fields.js';
import { compileBodyTemplate, TemplateSyntaxError, type CompiledTemplate } from './template.js';
import { TemplateShaper } from './template-record.js';
import { BodyWriter, RAW_RECORD, type RecordShaper } from './writer.js';

export interface BodyShaper {
  /** for logs: `fields`, `template_file /etc/loghook/events.j2`, ... */
  readonly describe: string;
  /** the Content-Type rule it follows: an ndjson batch is application/x-ndjson, the others JSON */
  readonly format: BatchFormat;
  /** `alloc`: where the body's bytes go (a pool); default fresh memory */
  build(req: BatchInput, alloc?: (size: number) => Buffer): BuiltBody;
}

/** A template's text and how to name it: the inline key, or the file. */
export function templateSource(body: Extract<BodyConfig, { mode: 'template' }>): { text: string; name: string } {
  if (body.template !== undefined) return { text: body.template, name: 'template' };
  let text: string;
  try {
    text = readFileSync(body.templateFile, 'utf8');
  } catch (err) {
    throw new UsageError(`template_file ${body.templateFile}: cannot read it: ${errnoCode(err) ?? errorMessage(err)}`);
  }
  return { text, name: body.templateFile };
}

/** Compiles a template; a syntax error names the file (or `template`) and the line. Throws UsageError. */
export function compileTemplateOf(text: string, name: string): CompiledTemplate {
  try {
    return compileBodyTemplate(text);
  } catch (err) {
    if (!(err instanceof TemplateSyntaxError)) throw err;
    const at = err.line === null ? '' : `line ${err.line}${err.column !== null ? `, column ${err.column}` : ''}: `;
    const label = name === 'template' ? `template: ${err.line === null ? '' : 'the template\'s '}` : `template_file ${name}: `;
    throw new UsageError(`${label}${at}${err.reason}`);
  }
}

/** Checks fields/rename/add. Throws UsageError naming the key. */
export function fieldsShaperOf(body: Extract<BodyConfig, { mode: 'fields' }>): FieldsShaper {
  try {
    return new FieldsShaper({ fields: body.fields, rename: body.rename, add: body.add });
  } catch (err) {
    if (err instanceof FieldsConfigError) throw new UsageError(`${err.key}: ${err.message}`);
    throw err;
  }
}

/** The hook's shaper, or null for the raw fast path. Throws UsageError for a bad template or fields. */
export function createBodyShaper(body: BodyConfig, format: BatchFormat): BodyShaper | null {
  if (body.mode === 'raw' && format !== 'envelope') return null;
  let record: RecordShaper;
  let describe: string;
  if (body.mode === 'fields') {
    record = fieldsShaperOf(body);
    describe = 'fields';
  } else if (body.mode === 'template') {
    const { text, name } = templateSource(body);
    const where = name === 'template' ? 'template' : `template_file ${name}`;
    record = new TemplateShaper(compileTemplateOf(text, name), format === 'ndjson', where);
    describe = where;
  } else {
    record = RAW_RECORD;
    describe = 'raw';
  }
  // one scratch writer per hook, reused: a build runs to its end before the next starts
  const writer = new BodyWriter();
  return { describe, format, build: (req, alloc) => buildBody(req, record, format, alloc, writer) };
}

/**
 * What is wrong with a hook's shaping keys, for the config check (`loghook check` and every
 * load): the key to name and the message. Values are the parsed keys (template_file resolved).
 */
export function bodyProblems(p: { template?: unknown; template_file?: unknown; fields?: unknown; rename?: unknown; add?: unknown }): { key: string; message: string }[] {
  const out: { key: string; message: string }[] = [];
  // the problem names the key already: its messages drop their own `template: ` / `template_file `
  const note = (key: string, f: () => unknown) => {
    try {
      f();
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      out.push({ key, message: err.message.startsWith(`${key}: `) ? err.message.slice(key.length + 2) : err.message.startsWith(`${key} `) ? err.message.slice(key.length + 1) : err.message });
    }
  };
  if (typeof p.template === 'string') note('template', () => compileTemplateOf(p.template as string, 'template'));
  if (typeof p.template_file === 'string') note('template_file', () => compileTemplateOf(templateSource({ mode: 'template', templateFile: p.template_file as string }).text, p.template_file as string));
  if (Array.isArray(p.fields)) {
    const rename = (p.rename ?? {}) as Record<string, string>;
    const add = (p.add ?? {}) as Record<string, string>;
    try {
      new FieldsShaper({ fields: p.fields as string[], rename, add });
    } catch (err) {
      if (!(err instanceof FieldsConfigError)) throw err;
      out.push({ key: err.key, message: err.message });
    }
  }
  return out;
}
