// The config file's data (secrets resolved) -> Config, or every problem with the key path it
// sits at (load.ts turns paths into lines). Each key is validated by its zod schema on its own,
// so one bad value never hides another; the rules between keys then judge which keys are given.
import { resolve } from 'node:path';
import type * as z from 'zod';
import * as f from './fields.js';
import { DEFAULTS } from './defaults.js';
import { defaultStateDir } from './state-dir.js';
import { didYouMean, type KeyPath } from './problems.js';
import { HOOK_KEYS, HOOK_KINDS, buildHook, hookRules, hookShape, kindsOf, type SchemaContext } from './hook-schema.js';
import type { Config, HookConfig, HookKind } from './schema.js';

export interface PathProblem {
  path: KeyPath;
  message: string;
  /** the problem is the key itself (unknown): name the table it is in, at the key's line */
  ofKey?: boolean;
}

/** Top-level values given as flags (or their LOGHOOK_* variables): they win over the file's. */
export interface Overrides {
  stateDir?: string;
  maxQueue?: Config['maxQueue'];
  shutdownTimeoutMs?: number;
  summaryIntervalMs?: number;
  logFormat?: Config['logFormat'];
  logLevel?: Config['logLevel'];
  /** --start-at (LOGHOOK_START_AT) */
  startAt?: Config['startAt'];
  /** DIR arguments of `tail --config FILE DIR...`: they replace [source] log_dirs */
  logDirs?: string[];
  pattern?: string;
  pollMs?: number;
  maxLineBytes?: number;
  /** --metrics-listen */
  metricsListen?: { host: string; port: number };
}

export interface ValidateOptions extends SchemaContext {
  env: NodeJS.ProcessEnv;
  overrides?: Overrides;
  /** the line of a path, for messages that point at another line ("also named on line 3") */
  lineOf?: (path: KeyPath) => number;
}

function topShape(ctx: SchemaContext) {
  return {
    state_dir: f.pathIn(ctx.baseDir),
    max_queue: f.maxQueue,
    shutdown_timeout: f.duration,
    summary_interval: f.duration,
    log_format: f.oneOf(['text', 'json'] as const),
    log_level: f.oneOf(['debug', 'info', 'warn', 'error'] as const),
    start_at: f.startAt,
  };
}
function sourceShape(ctx: SchemaContext) {
  return {
    log_dirs: f.list((v) => resolve(ctx.baseDir, f.text(v)), 'a list of directories'),
    pattern: f.str,
    poll: f.duration,
    max_line_bytes: f.size,
  };
}
const metricsShape = { listen: f.listen, ready_max_down: f.duration };

/** The keys of the file outside [[hook]] (HOOK_KEYS has the hook's), e.g. for the docs test. */
export const FILE_KEYS = {
  top: Object.keys(topShape({ baseDir: '/' })),
  source: Object.keys(sourceShape({ baseDir: '/' })),
  metrics: Object.keys(metricsShape),
};

type Shape = Record<string, z.ZodType<unknown, unknown>>;
type Values = Partial<Record<string, unknown>>;

/** Validates each key of a table by its schema; unknown keys are problems. */
export function parseTable(raw: unknown, shape: Shape, path: KeyPath, out: PathProblem[], unknown: (key: string) => string | null): Values {
  const values: Values = {};
  if (!isTable(raw)) {
    out.push({ path, message: `expected a table, got ${f.describe(raw)}` });
    return values;
  }
  for (const [key, v] of Object.entries(raw)) {
    const schema = shape[key];
    if (!schema) {
      const message = unknown(key);
      if (message !== null) out.push({ path: [...path, key], message, ofKey: true });
      continue;
    }
    const r = schema.safeParse(v);
    if (r.success) values[key] = r.data;
    else for (const issue of r.error.issues) out.push({ path: [...path, key, ...(issue.path as (string | number)[])], message: issue.message });
  }
  return values;
}

const unknownIn = (keys: string[]) => (key: string) => `unknown key '${key}'${didYouMean(key, keys)}`;

export function validateConfigData(data: unknown, o: ValidateOptions): { config: Config | null; problems: PathProblem[] } {
  const problems: PathProblem[] = [];
  const top = topShape(o);
  const known = [...Object.keys(top), 'source', 'metrics', 'hook'];
  const tables = isTable(data) ? data : {};
  const rest = Object.fromEntries(Object.entries(tables).filter(([k]) => k !== 'source' && k !== 'metrics' && k !== 'hook'));
  const t = parseTable(rest, top, [], problems, unknownIn(known));
  const s = 'source' in tables ? parseTable(tables.source, sourceShape(o), ['source'], problems, unknownIn(Object.keys(sourceShape(o)))) : {};
  const m = 'metrics' in tables ? parseTable(tables.metrics, metricsShape, ['metrics'], problems, unknownIn(Object.keys(metricsShape))) : {};
  const ov = o.overrides ?? {};
  const sourceHas = isTable(tables.source) && 'log_dirs' in tables.source;
  if (!sourceHas && !ov.logDirs) problems.push({ path: ['source', 'log_dirs'], message: 'missing: no log directory (set log_dirs = ["/var/log/kumomta"] in [source], or give DIR to tail)' });
  const hooks = validateHooks(tables.hook, 'hook' in tables, o, problems);
  if (problems.length > 0) return { config: null, problems };

  const config: Config = {
    stateDir: ov.stateDir ?? (t.state_dir as string | undefined) ?? defaultStateDir(o.env),
    maxQueue: ov.maxQueue ?? (t.max_queue as Config['maxQueue'] | undefined) ?? { bytes: DEFAULTS.maxQueueBytes },
    shutdownTimeoutMs: ov.shutdownTimeoutMs ?? (t.shutdown_timeout as number | undefined) ?? DEFAULTS.shutdownTimeoutMs,
    summaryIntervalMs: ov.summaryIntervalMs ?? (t.summary_interval as number | undefined) ?? DEFAULTS.summaryIntervalMs,
    ...((ov.logFormat ?? t.log_format) ? { logFormat: (ov.logFormat ?? t.log_format) as Config['logFormat'] } : {}),
    logLevel: ov.logLevel ?? (t.log_level as Config['logLevel'] | undefined) ?? DEFAULTS.logLevel,
    startAt: ov.startAt ?? (t.start_at as Config['startAt'] | undefined) ?? { kind: DEFAULTS.startAt },
    source: {
      logDirs: ov.logDirs ?? (s.log_dirs as string[]),
      ...((ov.pattern ?? s.pattern) !== undefined ? { pattern: (ov.pattern ?? s.pattern) as string } : {}),
      ...((ov.pollMs ?? s.poll) !== undefined ? { pollMs: (ov.pollMs ?? s.poll) as number } : {}),
      maxLineBytes: ov.maxLineBytes ?? (s.max_line_bytes as number | undefined) ?? DEFAULTS.maxLineBytes,
    },
    metrics: {
      ...((ov.metricsListen ?? m.listen) !== undefined ? { listen: (ov.metricsListen ?? m.listen) as { host: string; port: number } } : {}),
      readyMaxDownMs: (m.ready_max_down as number | undefined) ?? DEFAULTS.readyMaxDownMs,
    },
    hooks,
  };
  return { config, problems };
}

function validateHooks(raw: unknown, given: boolean, o: ValidateOptions, problems: PathProblem[]): HookConfig[] {
  if (!given) {
    problems.push({ path: [], message: 'no [[hook]]: add at least one (a name and a url)' });
    return [];
  }
  if (Array.isArray(raw) && raw.length === 0) {
    problems.push({ path: ['hook'], message: 'no [[hook]]: add at least one (a name and a url)' });
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.push({ path: ['hook'], message: 'hook is a list of tables: write [[hook]] (double brackets) for each hook' });
    return [];
  }
  const hooks: HookConfig[] = [];
  const names = new Map<string, number>();
  raw.forEach((h, i) => {
    const path = ['hook', i];
    const before = problems.length;
    const rawKind = isTable(h) ? (h.kind ?? 'http') : 'http';
    const kind: HookKind | null = (HOOK_KINDS as readonly unknown[]).includes(rawKind) ? (rawKind as HookKind) : null;
    const v = parseTable(h, hookShape(kind, o), path, problems, (key) => unknownHookKey(key, kind));
    if (!isTable(h)) return;
    if (!('name' in h)) problems.push({ path, message: "missing name (unique, of a-z 0-9 _ -; it names the hook's queue)" });
    if (typeof v.name === 'string') {
      const first = names.get(v.name);
      if (first !== undefined) {
        const line = o.lineOf?.(['hook', first, 'name']);
        problems.push({ path: [...path, 'name'], message: `the name '${v.name}' is already taken by the hook${line ? ` on line ${line}` : ` #${first + 1}`}: names must be unique` });
      } else names.set(v.name, i);
    }
    if (kind === null) return;
    problems.push(...hookRules(kind, (k) => k in h, v, path));
    if (problems.length === before) hooks.push(buildHook(kind, v));
  });
  return hooks;
}

function unknownHookKey(key: string, kind: HookKind | null): string | null {
  const owners = kindsOf(key);
  // with a bad kind, the kind's own problem says it all: its keys are not judged
  if (owners.length > 0) return kind === null ? null : `key '${key}' is for hooks of kind ${owners.map((k) => `"${k}"`).join(' or ')}; this hook is kind "${kind}"`;
  return `unknown key '${key}'${didYouMean(key, HOOK_KEYS[kind ?? 'http'])}`;
}

export function isTable(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}
