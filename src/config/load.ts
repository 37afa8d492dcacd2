// Reading loghook.toml (and routes files): the only import of the TOML parser. toml-eslint-parser
// gives an AST with the line of every key and value, so every problem names its file, line and
// key. Loading reports every problem at once (ConfigError), sorted by line; secrets never show.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AST } from 'toml-eslint-parser';
import { lazyModule } from '../util/lazy-require.js';
import { DEFAULT_CONFIG_FILE } from './defaults.js';
import { ConfigError, type ConfigProblem, type KeyPath } from './problems.js';
import { resolveSecrets } from './secrets.js';
import { validateConfigData, isTable, type Overrides, type PathProblem } from './validate.js';
import { validateRoutes, type Route } from './routes.js';
import type { Config } from './schema.js';
import { InputError, errnoCode, errorMessage } from '../util/errors.js';

const toml = lazyModule<typeof import('toml-eslint-parser')>('toml-eslint-parser');

export interface LoadedConfig {
  config: Config;
  /** the file it came from; null when it came from the flags of `tail DIR --url` */
  file: string | null;
  /** every value substituted from ${env:} or ${file:}: `check` masks them wherever they appear */
  secrets: ReadonlySet<string>;
}

export interface LoadOptions {
  /** for ${env:NAME} and the default state dir (default process.env) */
  env?: NodeJS.ProcessEnv;
  /** top-level values from flags, which win over the file's */
  overrides?: Overrides;
}

/** Reads, validates and resolves a config file. Throws InputError (unreadable) or ConfigError. */
export function loadConfigFile(file: string, o: LoadOptions = {}): LoadedConfig {
  const env = o.env ?? process.env;
  const path = resolve(file);
  const doc = readTomlFile(path, 'config file');
  const baseDir = dirname(path);
  const resolved = resolveSecrets(doc.data, env, baseDir);
  const secrets = new Set(resolved.secrets);
  const failed = resolved.problems.map((p) => p.path);
  const { config, problems } = validateConfigData(resolved.value, { baseDir, env, ...(o.overrides ? { overrides: o.overrides } : {}), lineOf: (p) => doc.lineOf(p, false) });
  // a value whose substitution failed has its problem already: its validation would only echo it
  const own = [...resolved.problems, ...problems.filter((p) => !failed.some((f) => startsWith(p.path, f)))];
  const out: ConfigProblem[] = own.map((p) => doc.problem(p, resolved.value));
  out.push(...checkRoutesFiles(resolved.value, baseDir, env, doc, secrets));
  if (out.length > 0 || !config) throw new ConfigError(out.map((p) => scrub(p, secrets)));
  return { config, file: path, secrets };
}

/**
 * Reads a routes file (route key -> url/headers/types/match). Throws ConfigError naming the file,
 * the line and the key; a runtime that reloads it keeps its old routes on an error.
 */
export function loadRoutesFile(file: string, env: NodeJS.ProcessEnv = process.env): Map<string, Route> {
  const r = readRoutes(resolve(file), env);
  if ('unreadable' in r) throw new ConfigError([{ file: resolve(file), line: 0, where: '', message: r.unreadable, path: [] }]);
  if (r.problems.length > 0) throw new ConfigError(r.problems.map((p) => scrub(p, r.secrets)));
  return r.routes;
}

/** The file `tail` and `check` use when none is named: LOGHOOK_DEFAULT_CONFIG or /etc/loghook/loghook.toml, if it exists. */
export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string | null {
  const file = env.LOGHOOK_DEFAULT_CONFIG || DEFAULT_CONFIG_FILE;
  return existsSync(file) ? file : null;
}

function readRoutes(file: string, env: NodeJS.ProcessEnv): { unreadable: string } | { routes: Map<string, Route>; problems: ConfigProblem[]; secrets: Set<string> } {
  let doc: TomlDoc;
  try {
    doc = readTomlFile(file, 'routes file');
  } catch (err) {
    if (err instanceof ConfigError) return { routes: new Map(), problems: [...err.problems], secrets: new Set() };
    return { unreadable: errorMessage(err) };
  }
  const resolved = resolveSecrets(doc.data, env, dirname(file));
  const failed = resolved.problems.map((p) => p.path);
  const { routes, problems } = validateRoutes(resolved.value);
  const own = [...resolved.problems, ...problems.filter((p) => !failed.some((f) => startsWith(p.path, f)))];
  return { routes, problems: own.map((p) => doc.problem(p, resolved.value)), secrets: resolved.secrets };
}

/** Every hook's routes file must be readable and valid now, not at the first record. */
function checkRoutesFiles(data: unknown, baseDir: string, env: NodeJS.ProcessEnv, doc: TomlDoc, secrets: Set<string>): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const hooks = isTable(data) && Array.isArray(data.hook) ? data.hook : [];
  hooks.forEach((h: unknown, i) => {
    if (!isTable(h) || typeof h.routes !== 'string' || h.routes.trim() === '') return;
    const file = resolve(baseDir, h.routes);
    const r = readRoutes(file, env);
    if ('unreadable' in r) {
      out.push(doc.problem({ path: ['hook', i, 'routes'], message: r.unreadable }, data));
      return;
    }
    for (const s of r.secrets) secrets.add(s);
    out.push(...r.problems);
  });
  return out;
}

interface TomlDoc {
  data: unknown;
  /** the line of a key (or of its value), or of the nearest enclosing table */
  lineOf(path: KeyPath, ofKey: boolean): number;
  problem(p: PathProblem, data: unknown): ConfigProblem;
}

function readTomlFile(file: string, what: 'config file' | 'routes file'): TomlDoc {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${what} ${file}: cannot read it: ${errnoCode(err) ?? errorMessage(err)}`, { cause: err });
  }
  let ast: AST.TOMLProgram;
  try {
    ast = toml().parseTOML(text, { filePath: file });
  } catch (err) {
    const e = err as { lineNumber?: number; column?: number; message: string };
    throw new ConfigError([{ file, line: e.lineNumber ?? 0, where: '', message: `not valid TOML: ${e.message}${e.column !== undefined ? ` (column ${e.column + 1})` : ''}`, path: [] }]);
  }
  const { index, dateTimes } = indexPositions(ast);
  const lineOf = (path: KeyPath, ofKey: boolean): number => {
    for (let n = path.length; n >= 0; n--) {
      const pos = index.get(JSON.stringify(path.slice(0, n)));
      if (pos) return ofKey && n === path.length ? pos.key : pos.value;
    }
    return 1;
  };
  return {
    data: withDateTimesAsWritten(toml().getStaticTOMLValue(ast.body[0]), dateTimes),
    lineOf,
    problem: (p, data) => ({
      file,
      line: lineOf(p.path, p.ofKey === true),
      where: (what === 'routes file' ? whereInRoutes : whereOf)(p.ofKey ? p.path.slice(0, -1) : p.path, data),
      message: p.message,
      path: p.path,
    }),
  };
}

interface Pos {
  key: number;
  value: number;
}

function indexPositions(ast: AST.TOMLProgram): { index: Map<string, Pos>; dateTimes: [KeyPath, string][] } {
  const index = new Map<string, Pos>();
  const dateTimes: [KeyPath, string][] = [];
  const set = (path: KeyPath, key: number, value = key) => {
    const k = JSON.stringify(path);
    if (!index.has(k)) index.set(k, { key, value });
  };
  const keyValue = (kv: AST.TOMLKeyValue, base: KeyPath) => {
    const keys = kv.key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
    for (let n = 1; n < keys.length; n++) set([...base, ...keys.slice(0, n)], kv.key.loc.start.line);
    const path = [...base, ...keys];
    set(path, kv.key.loc.start.line, kv.value.loc.start.line);
    value(kv.value, path);
  };
  const value = (node: AST.TOMLContentNode, path: KeyPath) => {
    if (node.type === 'TOMLArray') {
      node.elements.forEach((el, i) => {
        set([...path, i], el.loc.start.line);
        value(el, [...path, i]);
      });
    } else if (node.type === 'TOMLInlineTable') {
      for (const kv of node.body) keyValue(kv, path);
    } else if (node.kind !== 'string' && node.kind !== 'integer' && node.kind !== 'float' && node.kind !== 'boolean') {
      dateTimes.push([path, node.datetime]);
    }
  };
  set([], 1);
  for (const node of ast.body[0].body) {
    if (node.type === 'TOMLTable') {
      set(node.resolvedKey, node.loc.start.line);
      for (const kv of node.body) keyValue(kv, node.resolvedKey);
    } else keyValue(node, []);
  }
  return { index, dateTimes };
}

/** TOML date-times stay as written ("2026-11-30T00:00:00Z", not a Date): validation decides what they mean. */
function withDateTimesAsWritten(data: unknown, dateTimes: readonly [KeyPath, string][]): unknown {
  for (const [path, text] of dateTimes) {
    let at = data as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
    at[path[path.length - 1]!] = text;
  }
  return data;
}

const keys = (rest: KeyPath) => rest.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i > 0 ? '.' : ''}${/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)}`)).join('');

/** A path in the file's words: `max_queue`, `source.poll`, `hook 'events': match."meta.x"`. */
function whereOf(path: KeyPath, data: unknown): string {
  if (path.length === 0) return '';
  if (path[0] === 'hook' && typeof path[1] === 'number') {
    const h = isTable(data) && Array.isArray(data.hook) ? (data.hook[path[1]] as unknown) : undefined;
    const name = isTable(h) && typeof h.name === 'string' && h.name !== '' ? `hook '${h.name}'` : `hook #${path[1] + 1}`;
    return path.length > 2 ? `${name}: ${keys(path.slice(2))}` : name;
  }
  return keys(path);
}

/** In a routes file: `route 'acme': url`. */
function whereInRoutes(path: KeyPath): string {
  if (path.length === 0) return '';
  return `route '${String(path[0])}'${path.length > 1 ? `: ${keys(path.slice(1))}` : ''}`;
}

function startsWith(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => path[i] === k);
}

/** No message may carry a secret, whatever a validator chose to quote. */
function scrub(p: ConfigProblem, secrets: ReadonlySet<string>): ConfigProblem {
  let message = p.message;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) message = message.split(s).join('***');
  return { ...p, message };
}
