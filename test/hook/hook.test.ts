import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileHook, type HookInput } from '../../src/hook/hook.js';
import { RouteTable } from '../../src/hook/routes.js';
import { UsageError } from '../../src/util/errors.js';
import { createRecordGenerator } from '../helpers/records.js';
import { makeTempDir } from '../helpers/tmp.js';
import { docsLine, line, viewOf } from '../record/lines.js';

const generated = (n: number, seed = 11) => {
  const g = createRecordGenerator({ seed });
  return Array.from({ length: n }, () => g.next() as Record<string, any>);
};

/** Counts JSON.parse calls made while fn runs. */
function countParses(fn: () => void): number {
  const real = JSON.parse;
  let n = 0;
  JSON.parse = ((text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown) => {
    n++;
    return real(text, reviver);
  }) as typeof JSON.parse;
  try {
    fn();
  } finally {
    JSON.parse = real;
  }
  return n;
}

test('a type-only hook judges generated records without one JSON.parse (only LogRecord suspects are parsed)', () => {
  const recs = generated(3000);
  const lines = recs.map(line);
  const hook = compileHook({ name: 'h', url: 'https://h.example/k', types: ['Delivery', 'Bounce'] });
  assert.equal(hook.needs.needsParse, false);
  const suspects = lines.filter((l) => l.includes('"reception_protocol":"LogRecord"')).length;
  assert.ok(suspects > 0);
  const kept: number[] = [];
  const parses = countParses(() => lines.forEach((l, i) => hook.keep(viewOf(l)) && kept.push(i)));
  // LogRecord suspects of other types are dropped by type first, so fewer than all suspects parse
  const typedSuspects = recs.filter((r, i) => ['Delivery', 'Bounce'].includes(r.type) && lines[i]!.includes('"reception_protocol":"LogRecord"')).length;
  assert.ok(typedSuspects > 0, 'the sample has LogRecords of the wanted types');
  assert.equal(parses, typedSuspects);
  assert.deepEqual(kept, recs.flatMap((r, i) => (['Delivery', 'Bounce'].includes(r.type) && r.reception_protocol !== 'LogRecord' ? [i] : [])));
  const all = compileHook({ name: 'all', url: 'https://h.example/k', includeLogRecord: true });
  assert.equal(countParses(() => lines.forEach((l) => assert.ok(all.keep(viewOf(l))))), 0);
});

test('hooks that template or route by tenant read it from the bytes of compact records: no JSON.parse but for LogRecord suspects', () => {
  const lines = generated(3000, 12).map(line);
  const suspects = lines.filter((l) => l.includes('LogRecord"')).length;
  withRoutes('[acme]\nurl = "https://acme.example/k"\n[globex]\nurl = "https://globex.example/k"\n', (table) => {
    const hooks = [compileHook({ name: 'u', url: 'https://h.example/{tenant}/{domain}' }), compileHook({ name: 'r', routes: table, routeKey: 'tenant' })];
    let routed = 0;
    const parses = countParses(() => {
      for (const l of lines) {
        const v = viewOf(l);
        for (const h of hooks) if (h.keep(v) && 'endpoint' in h.route(v)) routed++;
      }
    });
    assert.ok(routed > 1000);
    assert.equal(parses, suspects);
  });
});

test('a type-only hook keeps a compact line by its type even when the rest is not JSON, as --types always did', () => {
  const hook = compileHook({ name: 'h', url: 'https://h.example/k', types: ['Bounce'] });
  const v = viewOf('{"type":"Bounce","id":"1", this is not JSON}\n');
  assert.equal(hook.keep(v), true);
  assert.equal(v.parsed, false);
  assert.deepEqual(hook.route(v), { endpoint: 'https://h.example/k' });
  assert.equal(hook.keep(viewOf('X-Template: not json\n')), false);
});

test('a hook that reads fields does not keep a line that is not JSON, and the view says why', () => {
  const hook = compileHook({ name: 'h', url: 'https://h.example/{tenant}', types: ['Bounce'] });
  const v = viewOf('{"type":"Bounce","id":"1", this is not JSON}\n');
  assert.equal(hook.keep(v), false);
  assert.match(v.invalid!, /^not JSON/);
});

test("types, match and KumoMTA's LogRecord rule combine on generated records", () => {
  const recs = generated(3000);
  const cfg: HookInput = { name: 'h', url: 'https://h.example/k', types: ['Bounce', 'TransientFailure'], match: { tenant: ['acme', 'globex'], 'response.code': '4xx' } };
  const want = (incl: boolean) => recs.flatMap((r, i) => (['Bounce', 'TransientFailure'].includes(r.type) && ['acme', 'globex'].includes(r.meta.tenant) && r.queue !== 'webhook.log_hook'
    && r.response.code < 500 && (incl || r.reception_protocol !== 'LogRecord') ? [i] : []));
  for (const includeLogRecord of [false, true]) {
    const hook = compileHook({ ...cfg, includeLogRecord });
    const got = recs.flatMap((r, i) => (hook.keep(viewOf(line(r))) ? [i] : []));
    assert.ok(want(includeLogRecord).length > 0);
    assert.deepEqual(got, want(includeLogRecord));
  }
});

test('a fixed URL routes every kept record to it; a template routes by field and reports a missing one', () => {
  const fixed = compileHook({ name: 'f', url: 'https://h.example/k?a={{b}}' });
  assert.deepEqual(fixed.route(viewOf(docsLine('example-Delivery.json'))), { endpoint: 'https://h.example/k?a={b}' });
  assert.equal(fixed.reroute('x'), null);
  const tpl = compileHook({ name: 't', url: 'https://h.example/{tenant}/kumo?c={meta.customer_id}' });
  assert.deepEqual([...tpl.needs.names].sort(), ['meta.customer_id', 'tenant']);
  assert.deepEqual(tpl.route(viewOf(line({ type: 'Delivery', queue: 'acme@x.example', meta: { customer_id: 'c 1' } }))), { endpoint: 'https://h.example/acme/kumo?c=c%201' });
  assert.deepEqual(tpl.route(viewOf(line({ type: 'Delivery', queue: 'x.example', meta: { customer_id: 'c1' } }))), { unrouted: 'missing-field', field: 'tenant' });
});

const ROUTES = `[acme]
url = "https://acme.example/kumo"
headers = { "X-Key" = "\${env:HOOK_TEST_ACME_KEY}" }
types = ["Delivery", "Bounce"]
["globex"]
url = "https://globex.example/hook"
[globex.match]
"meta.opt_in" = "yes"
`;

function withRoutes(text: string, fn: (table: RouteTable, path: string) => void): void {
  const d = makeTempDir();
  const path = join(d.path, 'routes.toml');
  writeFileSync(path, text);
  const table = new RouteTable(path, { pollMs: 0, watch: false, env: { HOOK_TEST_ACME_KEY: 'k-acme' }, onError: (e) => assert.fail(e.message) });
  try {
    fn(table, path);
  } finally {
    table.close();
    d.cleanup();
  }
}

const rec = (type: string, queue: string, meta: Record<string, unknown> = {}) => viewOf(line({ type, queue, meta }));

test('routes by route_key: a route gives its URL, headers and key; route types and match apply on top', () => {
  withRoutes(ROUTES, (table) => {
    const hook = compileHook({ name: 'r', routes: table, routeKey: 'tenant' });
    const acme = rec('Bounce', 'c:acme@gmail.com');
    assert.equal(hook.keep(acme), true);
    assert.deepEqual(hook.route(acme), { endpoint: 'https://acme.example/kumo', key: 'acme', headers: { 'X-Key': 'k-acme' } });
    assert.equal(hook.keep(rec('TransientFailure', 'c:acme@gmail.com')), false, "acme's route takes Delivery and Bounce only");
    assert.equal(hook.keep(rec('TransientFailure', 'globex@gmail.com', { opt_in: 'yes' })), true);
    assert.equal(hook.keep(rec('Delivery', 'globex@gmail.com', { opt_in: 'no' })), false, "globex's route matches opt_in = yes only");
    assert.deepEqual(hook.route(rec('Delivery', 'globex@gmail.com', { opt_in: 'yes' })), { endpoint: 'https://globex.example/hook', key: 'globex', headers: {} });
  });
});

test('a key without a route and a record without a key: default_url if set, else unrouted with the reason', () => {
  withRoutes(ROUTES, (table) => {
    const strict = compileHook({ name: 's', routes: table, routeKey: 'tenant' });
    const initech = rec('Delivery', 'initech@x.example');
    assert.equal(strict.keep(initech), true, 'kept, so that the caller counts it as unrouted');
    assert.deepEqual(strict.route(initech), { unrouted: 'no-route', key: 'initech' });
    assert.deepEqual(strict.route(rec('Delivery', 'x.example')), { unrouted: 'missing-field', field: 'tenant' });
    const fallback = compileHook({ name: 'd', routes: table, routeKey: 'tenant', defaultUrl: 'https://default.example/all' });
    assert.deepEqual(fallback.route(initech), { endpoint: 'https://default.example/all', key: 'initech' });
    assert.deepEqual(fallback.route(rec('Delivery', 'x.example')), { endpoint: 'https://default.example/all' });
  });
});

test('the hook types and match hold before the route is looked up', () => {
  withRoutes(ROUTES, (table) => {
    const hook = compileHook({ name: 'h', routes: table, routeKey: 'tenant', types: ['Bounce'], match: { domain: '!yahoo.com' } });
    assert.equal(hook.keep(rec('Bounce', 'acme@gmail.com')), true);
    assert.equal(hook.keep(rec('Delivery', 'acme@gmail.com')), false);
    assert.equal(hook.keep(rec('Bounce', 'acme@yahoo.com')), false);
    assert.deepEqual([...hook.needs.names].sort(), ['domain', 'meta.opt_in', 'tenant', 'type']);
  });
});

test('after a reload, route and reroute give the new URL; needs follows the table', () => {
  withRoutes(ROUTES, (table, path) => {
    const hook = compileHook({ name: 'h', routes: table, routeKey: 'tenant', defaultUrl: 'https://default.example/' });
    writeFileSync(path, '[acme]\nurl = "https://acme-new.example/kumo"\n[initech]\nurl = "https://initech.example/k"\n[initech.match]\n"headers.x-env" = "prod"\n');
    assert.equal(table.reload(), true);
    assert.deepEqual(hook.reroute('acme'), { endpoint: 'https://acme-new.example/kumo', key: 'acme', headers: {} });
    assert.deepEqual(hook.reroute('initech'), { endpoint: 'https://initech.example/k', key: 'initech', headers: {} });
    assert.deepEqual(hook.reroute('globex'), { endpoint: 'https://default.example/', key: 'globex' });
    assert.deepEqual(hook.reroute(undefined), { endpoint: 'https://default.example/' });
    assert.deepEqual(hook.route(rec('TransientFailure', 'acme@x.example')), { endpoint: 'https://acme-new.example/kumo', key: 'acme', headers: {} });
    assert.deepEqual([...hook.needs.names].sort(), ['headers.x-env', 'tenant']);
  });
});

test('a route key from a case-insensitive field finds its route whatever the case in the file', () => {
  withRoutes('["Gmail.com"]\nurl = "https://g.example/k"\n', (table) => {
    const hook = compileHook({ name: 'h', routes: table, routeKey: 'recipient_domain' });
    const v = viewOf(line({ type: 'Delivery', recipient: 'Bob@GMAIL.COM' }));
    assert.deepEqual(hook.route(v), { endpoint: 'https://g.example/k', key: 'gmail.com', headers: {} });
  });
});

test('compile errors name the hook and the setting', () => {
  withRoutes(ROUTES, (table) => {
    const err = (cfg: Omit<HookInput, 'name'>, re: RegExp) =>
      assert.throws(() => compileHook({ name: 'h', ...cfg }), (e: unknown) => e instanceof UsageError && re.test(e.message), JSON.stringify(cfg));
    err({}, /^hook "h": url is required \(or routes with route_key\)/);
    err({ url: 'https://a.example', routes: table, routeKey: 'tenant' }, /^hook "h": url and routes exclude each other/);
    err({ routes: table }, /^hook "h": routes needs route_key/);
    err({ url: 'https://a.example', routeKey: 'tenant' }, /^hook "h": route_key and default_url need routes/);
    err({ routes: table, routeKey: 'tennant' }, /^hook "h": route_key: unknown field 'tennant'/);
    err({ routes: table, routeKey: 'tenant', defaultUrl: 'nope' }, /^hook "h": default_url: not an absolute URL/);
    err({ url: 'ftp://a.example/x' }, /^hook "h": url: not an http:\/\/ or https:\/\/ URL/);
    err({ url: 'https://a.example', types: ['Bounces'] }, /^hook "h": types: "Bounces" is not a record type \(Reception, /);
    err({ url: 'https://a.example', types: [] }, /^hook "h": types is empty/);
    err({ url: 'https://{tenant}.example/k' }, /^hook "h": url: a field may not stand in the scheme or host/);
    err({ url: 'https://hooks.example/{tenant' }, /^hook "h": url: .*column 23: a '\{' without its '\}'/);
    err({ url: 'https://a.example', match: { domain: '[x' } }, /^hook "h": match: "domain" = "\[x"/);
  });
});
