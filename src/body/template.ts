// The template engine of `body = "template"`: nunjucks, the JavaScript port of Jinja2, so that a
// KumoMTA operator's `per_record.template` (minijinja, Jinja syntax) carries over:
// `{{ type }}`, `{{ response.code }}`, `{{ log_record | tojson }}`, `{% if %}`, filters. The only
// import of nunjucks.
//
// Set as Jinja (and minijinja, KumoMTA's engine) are: no HTML autoescaping (the body is JSON or
// text, not HTML), an undefined value renders as "", one trailing newline of the template
// source is dropped (Jinja's keep_trailing_newline = false: a template file ends in one).
// Added: the `tojson` filter (Jinja's; nunjucks only has `dump`), `tojson(2)` indents.
// Compiled eagerly, so that a syntax error or an unknown filter is found when the config loads,
// not at the first record.
import { createRequire } from 'node:module';
import type Nunjucks from 'nunjucks';

/** A template that does not compile: `line` is 1-based, null when nunjucks does not say. */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number | null,
    readonly column: number | null,
  ) {
    super(line === null ? reason : `line ${line}, column ${column ?? 1}: ${reason}`);
    this.name = 'TemplateSyntaxError';
  }
}

/** A record the template failed on: `line` as in TemplateSyntaxError. */
export class TemplateRenderError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number | null,
  ) {
    super(line === null ? reason : `line ${line}: ${reason}`);
    this.name = 'TemplateRenderError';
  }
}

export interface CompiledTemplate {
  /** every name the template looks up (variables, and function names: harmless extras) */
  readonly names: ReadonlySet<string>;
  /** Renders one record's context. Throws TemplateRenderError. */
  render(context: Record<string, unknown>): string;
}

/** What `tojson` gives for `value` when it is the record whose JSON text is known (no re-encoding). */
let known: { value: unknown; json: string } | null = null;

/** Renders with `value`'s JSON text already known: `{{ log_record | tojson }}` copies it. */
export function withKnownJson<T>(value: unknown, json: string, fn: () => T): T {
  known = { value, json };
  try {
    return fn();
  } finally {
    known = null;
  }
}

function tojson(value: unknown, indent?: number): string {
  if (indent === undefined && known !== null && value === known.value) return known.json;
  // undefined is not JSON: Jinja renders a missing value as null here too
  return value === undefined ? 'null' : JSON.stringify(value, null, indent);
}


interface Node {
  value?: unknown;
  name?: Node;
  /** from 0 */
  lineno: number;
  colno: number;
  findAll(type: unknown, results?: Node[]): Node[];
}
interface Engine {
  nunjucks: typeof Nunjucks;
  env: Nunjucks.Environment;
  internals: { parser: { parse(src: string, extensions: unknown[], opts: unknown): Node }; nodes: { Symbol: unknown; Filter: unknown } };
  filters: Record<string, unknown>;
}
let loaded: Engine | null = null;

/** nunjucks, loaded on the first template: a hook without one does not carry its ~6 MB. */
function engine(): Engine {
  if (loaded === null) {
    const nunjucks = createRequire(import.meta.url)('nunjucks') as typeof Nunjucks;
    const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
    env.addFilter('tojson', tojson);
    loaded = { nunjucks, env, internals: nunjucks as unknown as Engine['internals'], filters: (env as unknown as { filters: Record<string, unknown> }).filters };
  }
  return loaded;
}

/**
 * nunjucks' messages read `(path) [Line 2, Column 6]\n  Error: why`. Its parser counts lines from
 * 1, its runtime from 0 (`base`).
 */
function located(err: unknown, base: 0 | 1): { reason: string; line: number | null; column: number | null } {
  const msg = err instanceof Error ? err.message : String(err);
  const at = /\[Line (\d+), Column (\d+)\]/.exec(msg);
  const nl = msg.indexOf('\n');
  const reason = (nl === -1 ? msg : msg.slice(nl + 1)).trim().replace(/^Error: /, '');
  return { reason, line: at ? Number(at[1]) + 1 - base : null, column: at ? Number(at[2]) + 1 - base : null };
}

/** Compiles a template. Throws TemplateSyntaxError. */
export function compileBodyTemplate(source: string): CompiledTemplate {
  const src = source.endsWith('\r\n') ? source.slice(0, -2) : source.endsWith('\n') ? source.slice(0, -1) : source;
  const { nunjucks, env, internals, filters: FILTERS } = engine();
  let tpl: Nunjucks.Template;
  let names: Set<string>;
  try {
    tpl = new nunjucks.Template(src, env, undefined, true);
    const ast = internals.parser.parse(src, [], {});
    const filters = ast.findAll(internals.nodes.Filter);
    // a filter's name is a Symbol too, but never a field: looking for it would scan every record to its end
    const filterNames = new Set(filters.map((f) => f.name));
    names = new Set(ast.findAll(internals.nodes.Symbol).filter((n) => !filterNames.has(n)).map((n) => String(n.value)));
    // nunjucks looks filters up only when it renders: a misspelt one is found here instead
    for (const f of filters) {
      const name = String(f.name?.value);
      if (!(name in FILTERS)) throw new TemplateSyntaxError(`unknown filter '${name}'`, f.lineno + 1, f.colno + 1);
    }
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw err;
    const { reason, line, column } = located(err, 1);
    throw new TemplateSyntaxError(reason, line, column);
  }
  return {
    names,
    render(context) {
      try {
        return tpl.render(context);
      } catch (err) {
        const { reason, line } = located(err, 0);
        throw new TemplateRenderError(reason, line);
      }
    },
  };
}
