// The routes file: one TOML table per route key (a tenant, a customer id...) giving where that
// key's records go, for platforms with thousands of customers:
//
//   [acme]
//   url = "https://acme.example/kumo"
//   headers = { "X-Key" = "${env:ACME_KEY}" }
//   types = ["Delivery", "Bounce"]
//   [globex.match]
//   "meta.opt_in" = "yes"
//
// A route has `url` (http or https), and optionally `headers`, `types` and `match` (as a hook's,
// applied on top of the hook's own). `${env:NAME}` and `${file:PATH}` (relative to the routes
// file; one trailing newline dropped) put secrets in `url` and header values. Errors name the
// file, the line and the key, never a secret's value. toml-eslint-parser gives the positions.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AST } from 'toml-eslint-parser';
import { lazyModule } from '../util/lazy-require.js';
import { isKnownType, RECORD_TYPES } from '../record/record.js';
import { UsageError, errnoCode, errorMessage } from '../util/errors.js';
import { compileMatch, type Matcher } from './match.js';

const toml = lazyModule<typeof import('toml-eslint-parser')>('toml-eslint-parser');

export interface Route {
  readonly key: string;
  /** secrets expanded */
  readonly url: string;
  /** secrets expanded; never log the values */
  readonly headers: Readonly<Record<string, string>>;
  /** undefined: every type the hook takes */
  readonly types?: ReadonlySet<string>;
  readonly match: Matcher;
  /** the match table as written, undefined when none */
  readonly matchTable?: Readonly<Record<string, unknown>>;
  /** where the route starts in its file */
  readonly line: number;
}

export class RoutesFileError extends UsageError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly key: string | undefined,
    why: string,
  ) {
    super(`${file}${line ? `:${line}` : ''}: ${key ? `${key}: ` : ''}${why}`);
    this.name = 'RoutesFileError';
  }
}

export interface LoadRoutesOptions {
  /** where ${env:NAME} looks; process.env by default */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Reads and checks a routes file. Throws RoutesFileError. */
export function loadRoutes(path: string, opts: LoadRoutesOptions = {}): Map<string, Route> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RoutesFileError(path, undefined, undefined, errnoCode(err) === 'ENOENT' ? 'does not exist' : `cannot be read: ${errorMessage(err)}`);
  }
  return parseRoutes(text, path, opts);
}

type Path = (string | number)[];
const ROUTE_KEYS = new Set(['url', 'headers', 'types', 'match']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Checks the text of a routes file read from `path` (for messages and ${file:} paths). */
export function parseRoutes(text: string, path: string, opts: LoadRoutesOptions = {}): Map<string, Route> {
  let ast: AST.TOMLProgram;
  try {
    ast = toml().parseTOML(text);
  } catch (err) {
    if (err instanceof toml().ParseError) throw new RoutesFileError(path, err.lineNumber, undefined, `not valid TOML: ${err.message}`);
    throw err;
  }
  const lines = keyLines(ast);
  const lineOf = (p: Path): number | undefined => lines.get(JSON.stringify(p));
  const fail = (p: Path, why: string): never => {
    throw new RoutesFileError(path, lineOf(p), p.map((k) => (typeof k === 'number' ? `[${k}]` : k)).join('.').replace(/\.\[/g, '['), why);
  };
  const env = opts.env ?? process.env;
  const secrets = (p: Path, s: string): string =>
    s.replace(/\$\{([^}]*)\}/g, (_, ref: string) => {
      const [kind, ...rest] = ref.split(':');
      const name = rest.join(':');
      if (kind === 'env' && name !== '') {
        const v = env[name];
        if (v === undefined) fail(p, `\${env:${name}}: the environment variable ${name} is not set`);
        return v!;
      }
      if (kind === 'file' && name !== '') {
        const file = resolve(dirname(path), name);
        try {
          return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
        } catch (err) {
          return fail(p, `\${file:${name}}: cannot read ${file}: ${errnoCode(err) ?? errorMessage(err)}`);
        }
      }
      return fail(p, `\${${ref}} is not a secret reference: write \${env:NAME} or \${file:PATH}`);
    });

  const doc = toml().getStaticTOMLValue(ast) as Record<string, unknown>;
  const routes = new Map<string, Route>();
  for (const [key, value] of Object.entries(doc)) {
    const at = [key];
    if (!isTable(value)) fail(at, 'a route is a table: write [name] and then url = "https://..." under it');
    const t = value as Record<string, unknown>;
    for (const k of Object.keys(t)) if (!ROUTE_KEYS.has(k)) fail([key, k], `unknown key; a route has ${[...ROUTE_KEYS].join(', ')}`);
    if (typeof t.url !== 'string') fail(t.url === undefined ? at : [key, 'url'], 'url = "https://..." is required (a string)');
    const url = secrets([key, 'url'], t.url as string);
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      // the message leaves the URL out: it may hold a secret
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) fail([key, 'url'], 'not an absolute http:// or https:// URL');
    const headers: Record<string, string> = {};
    if (t.headers !== undefined) {
      if (!isTable(t.headers)) fail([key, 'headers'], 'headers is a table: headers = { "X-Key" = "..." }');
      for (const [name, v] of Object.entries(t.headers as Record<string, unknown>)) {
        if (!HEADER_NAME.test(name)) fail([key, 'headers', name], 'not a valid header name');
        if (typeof v !== 'string') fail([key, 'headers', name], 'a header value is a string');
        const expanded = secrets([key, 'headers', name], v as string);
        if (/[\r\n\0]/.test(expanded)) fail([key, 'headers', name], 'a header value may not hold CR, LF or NUL');
        headers[name] = expanded;
      }
    }
    let types: Set<string> | undefined;
    if (t.types !== undefined) {
      if (!Array.isArray(t.types) || t.types.length === 0) fail([key, 'types'], 'types is a non-empty list: types = ["Delivery", "Bounce"]');
      types = new Set();
      (t.types as unknown[]).forEach((ty, i) => {
        if (typeof ty !== 'string' || !isKnownType(ty)) fail([key, 'types', i], `${JSON.stringify(ty)} is not a record type (${RECORD_TYPES.join(', ')})`);
        types!.add(ty as string);
      });
    }
    let match: Matcher = compileMatch(undefined);
    let matchTable: Record<string, unknown> | undefined;
    if (t.match !== undefined) {
      if (!isTable(t.match)) fail([key, 'match'], 'match is a table: [name.match] then "meta.key" = "pattern"');
      matchTable = t.match as Record<string, unknown>;
      // one key at a time, so that an error carries that key's own line
      const where = `${key}.match`;
      for (const [k, v] of Object.entries(matchTable)) {
        try {
          compileMatch({ [k]: v }, where);
        } catch (err) {
          if (!(err instanceof UsageError)) throw err;
          throw new RoutesFileError(path, lineOf([key, 'match', k]), where, err.message.slice(where.length + 2));
        }
      }
      match = compileMatch(matchTable, where);
    }
    routes.set(key, { key, url, headers, types, match, matchTable, line: lineOf(at) ?? 0 });
  }
  return routes;
}

function isTable(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** The line of every key path in the file: where it is first written (a table header or a key). */
function keyLines(ast: AST.TOMLProgram): Map<string, number> {
  const m = new Map<string, number>();
  const put = (p: Path, line: number) => {
    const k = JSON.stringify(p);
    if (!m.has(k)) m.set(k, line);
  };
  const keyValue = (base: Path, kv: AST.TOMLKeyValue) => {
    const keys = kv.key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
    for (let i = 1; i <= keys.length; i++) put([...base, ...keys.slice(0, i)], kv.loc.start.line);
    value([...base, ...keys], kv.value);
  };
  const value = (p: Path, v: AST.TOMLContentNode) => {
    if (v.type === 'TOMLInlineTable') for (const kv of v.body) keyValue(p, kv);
    else if (v.type === 'TOMLArray') v.elements.forEach((e, i) => {
      put([...p, i], e.loc.start.line);
      value([...p, i], e);
    });
  };
  for (const node of ast.body[0].body) {
    if (node.type === 'TOMLTable') {
      for (let i = 1; i <= node.resolvedKey.length; i++) put(node.resolvedKey.slice(0, i), node.loc.start.line);
      for (const kv of node.body) keyValue(node.resolvedKey, kv);
    } else keyValue([], node);
  }
  return m;
}
