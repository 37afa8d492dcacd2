// A routes file: one table per route key, each with the url (and optionally headers, types and
// match) that records whose `route_key` renders to that key go to. It is reloaded live by the
// runtime, so its validation stands alone: load.ts loadRoutesFile() reads and checks one.
//
//   [acme]                                   # the route key, e.g. a tenant
//   url = "https://acme.example.com/kumo"
//   headers = { "X-Api-Key" = "${env:ACME_KEY}" }
//   types = ["Delivery", "Bounce"]
//   [acme.match]
//   egress_pool = "acme-*"
import * as f from './fields.js';
import * as hf from './hook-fields.js';
import { didYouMean } from './problems.js';
import { isTable, parseTable, type PathProblem } from './validate.js';
import type { HeaderItem } from '../sinks/http/headers.js';
import type { RecordType } from '../record/record.js';
import type { MatchRule } from './hook-fields.js';

export interface Route {
  url: string;
  headers: HeaderItem[];
  /** undefined: the hook's types */
  types?: RecordType[];
  /** [] : every record of the route */
  match: MatchRule[];
}

const routeShape = {
  url: hf.url(['http', 'https'], true),
  headers: hf.headerTable,
  types: hf.recordTypes,
  match: hf.matchTable,
};
const ROUTE_KEYS = Object.keys(routeShape);

export function validateRoutes(data: unknown): { routes: Map<string, Route>; problems: PathProblem[] } {
  const problems: PathProblem[] = [];
  const routes = new Map<string, Route>();
  for (const [key, raw] of Object.entries(isTable(data) ? data : {})) {
    if (!isTable(raw)) {
      problems.push({ path: [key], message: `expected a table [${key}] with url (and headers, types, match), got ${f.describe(raw)}` });
      continue;
    }
    const before = problems.length;
    const v = parseTable(raw, routeShape, [key], problems, (k) => `unknown key '${k}'${didYouMean(k, ROUTE_KEYS)} (a route has ${ROUTE_KEYS.join(', ')})`);
    if (!('url' in raw)) problems.push({ path: [key], message: 'missing url' });
    if (problems.length > before) continue;
    routes.set(key, {
      url: v.url as string,
      headers: (v.headers as HeaderItem[] | undefined) ?? [],
      ...(v.types !== undefined ? { types: v.types as RecordType[] } : {}),
      match: (v.match as MatchRule[] | undefined) ?? [],
    });
  }
  return { routes, problems };
}
