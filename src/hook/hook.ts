// What one hook does to a record: whether it takes it (keep) and where it goes (route). Pure but
// for the routes table, which the runtime owns and may reload between records.
//
// A hook has exactly one way to choose an endpoint:
//   url         a fixed URL, or a template over fields (`https://h.example/{tenant}/kumo`, each
//               value URL-encoded; a field may not stand in the scheme or host);
//   routes      a RouteTable looked up by the value of the field `routeKey`, with `defaultUrl` for
//               a record whose key is missing or has no route (else it is unrouted).
// A route's own types and match apply on top of the hook's: a record its route refuses is not kept.
import { FieldNameError, FieldSet, fieldDef, type FieldDef } from '../record/fields.js';
import { isKnownType, RECORD_TYPES } from '../record/record.js';
import type { RecordView } from '../record/view.js';
import { UsageError } from '../util/errors.js';
import { compileFilter } from './filter.js';
import { compileMatch } from './match.js';
import type { RouteTable } from './routes.js';
import type { Route } from './routes-file.js';
import { compileTemplate, type Template } from './template.js';

/** What compileHook needs; the config maps onto it. */
export interface HookInput {
  name: string;
  /** a fixed URL or a URL template; not with `routes` */
  url?: string;
  /** record types to take; undefined takes all */
  types?: Iterable<string>;
  /** take KumoMTA's own webhook bookkeeping records (reception_protocol "LogRecord") too; default false */
  includeLogRecord?: boolean;
  /** the `[hook.match]` table (src/hook/match.ts) */
  match?: Readonly<Record<string, unknown>>;
  routes?: RouteTable;
  /** the field whose value is looked up in `routes`; required with it */
  routeKey?: string;
  /** where records go whose key is missing or has no route; only with `routes` */
  defaultUrl?: string;
}

export type Routing =
  | { endpoint: string; key?: string; headers?: Readonly<Record<string, string>> }
  | { unrouted: 'no-route' | 'missing-field'; field?: string; key?: string };

export interface Hook {
  readonly name: string;
  /** the fields it reads (with routes: the current table's too) */
  readonly needs: FieldSet;
  keep(view: RecordView): boolean;
  /** where a kept record goes */
  route(view: RecordView): Routing;
  /**
   * Where a record queued under route key `key` goes now, after the table changed; null when the
   * hook has no routes table (the endpoint it was given stands).
   */
  reroute(key: string | undefined): Routing | null;
}

/** Compiles a hook; throws UsageError naming the hook and the bad setting. */
export function compileHook(cfg: HookInput): Hook {
  const where = `hook "${cfg.name}"`;
  const types = cfg.types === undefined ? undefined : checkTypes(cfg.types, where);
  const filter = compileFilter({ ...(types ? { types } : {}), excludeLogRecord: !cfg.includeLogRecord });
  const match = compileMatch(cfg.match, `${where}: match`);
  const own = [...(types ? ['type'] : []), ...match.needs.names];

  if (cfg.routes) {
    if (cfg.url !== undefined) throw new UsageError(`${where}: url and routes exclude each other; with routes, default_url is where unrouted records go`);
    if (cfg.routeKey === undefined) throw new UsageError(`${where}: routes needs route_key, the field whose value names the route (e.g. route_key = "tenant")`);
    const keyField = field(cfg.routeKey, `${where}: route_key`);
    const defaultUrl = cfg.defaultUrl === undefined ? undefined : checkUrl(cfg.defaultUrl, `${where}: default_url`);
    const table = cfg.routes;
    const lookup = (k: string): Route | undefined => (keyField.caseInsensitive ? table.lookupFolded(k) : table.lookup(k));
    const resolve = (k: string | undefined): Routing => {
      if (k === undefined) return defaultUrl ? { endpoint: defaultUrl } : { unrouted: 'missing-field', field: keyField.name };
      const r = lookup(k);
      if (r) return { endpoint: r.url, key: k, headers: r.headers };
      return defaultUrl ? { endpoint: defaultUrl, key: k } : { unrouted: 'no-route', key: k };
    };
    const base = FieldSet.of([...own, keyField.name]);
    let needs = { version: 0, set: base };
    return {
      name: cfg.name,
      get needs() {
        if (needs.version !== table.version) needs = { version: table.version, set: FieldSet.union([base, table.needs]) };
        return needs.set;
      },
      keep(view) {
        if (!filter(view) || !match.test(view)) return false;
        const k = keyField.read(view);
        if (view.invalid !== undefined) return false;
        const r = k === undefined ? undefined : lookup(k);
        if (r?.types) {
          const t = view.type();
          if (t === undefined || !r.types.has(t)) return false;
        }
        return r ? r.match.test(view) : true;
      },
      route: (view) => resolve(keyField.read(view)),
      reroute: resolve,
    };
  }

  if (cfg.routeKey !== undefined || cfg.defaultUrl !== undefined) throw new UsageError(`${where}: route_key and default_url need routes (a routes file)`);
  if (cfg.url === undefined) throw new UsageError(`${where}: url is required (or routes with route_key)`);
  const tpl = urlTemplate(cfg.url, `${where}: url`);
  const needs = FieldSet.of([...own, ...tpl.fields]);
  // the template's fields are read here too (the view keeps the parse and the queue split), so that
  // a line found not to be JSON is not kept, rather than kept and then unrouted
  const reads = tpl.fields.map((n) => fieldDef(n));
  const keep = (view: RecordView) => {
    if (!filter(view) || !match.test(view)) return false;
    for (const f of reads) f.read(view);
    return view.invalid === undefined;
  };
  if (!tpl.dynamic) {
    const fixed: Routing = { endpoint: tpl.text.replace(/\{\{/g, '{').replace(/\}\}/g, '}') };
    return { name: cfg.name, needs, keep, route: () => fixed, reroute: () => null };
  }
  return {
    name: cfg.name,
    needs,
    keep,
    route(view) {
      const out = tpl.render(view);
      return typeof out === 'string' ? { endpoint: out } : { unrouted: 'missing-field', field: out.missing };
    },
    reroute: () => null,
  };
}

function checkTypes(list: Iterable<string>, where: string): ReadonlySet<string> {
  const set = new Set(list);
  if (set.size === 0) throw new UsageError(`${where}: types is empty; leave it out to take every type`);
  for (const t of set) if (!isKnownType(t)) throw new UsageError(`${where}: types: "${t}" is not a record type (${RECORD_TYPES.join(', ')})`);
  return set;
}

function field(name: string, where: string): FieldDef {
  try {
    return fieldDef(name);
  } catch (err) {
    if (err instanceof FieldNameError) throw new UsageError(`${where}: ${err.message}`);
    throw err;
  }
}

function checkUrl(url: string, where: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${where}: not an absolute URL (https://host/path)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${where}: not an http:// or https:// URL`);
  return url;
}

/** A URL template whose scheme and host are literal: record data must not choose where it goes. */
function urlTemplate(url: string, where: string): Template {
  const tpl = compileTemplate(url, { encode: 'url', where });
  const sample = url.replace(/\{\{|\}\}/g, '_').replace(/\{[^{}]*\}/g, 'x');
  checkUrl(sample, where);
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url.replace(/\{\{|\}\}/g, '_'))?.[0] ?? '';
  if (authority.includes('{')) throw new UsageError(`${where}: a field may not stand in the scheme or host (records would choose the server); put it in the path or query, or use routes`);
  return tpl;
}
