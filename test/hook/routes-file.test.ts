import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRoutes, RoutesFileError } from '../../src/hook/routes-file.js';
import { UsageError } from '../../src/util/errors.js';
import { makeTempDir } from '../helpers/tmp.js';
import { docsLine, viewOf } from '../record/lines.js';

const EXAMPLE = `[acme]
url = "https://acme.example/kumo"
headers = { "X-Key" = "\${env:ACME_KEY}" }
types = ["Delivery", "Bounce"]
["globex"]
url = "https://globex.example/hook"
[globex.match]
"meta.opt_in" = "yes"
`;

function withFile(text: string, fn: (path: string, dir: string) => void, name = 'routes.toml'): void {
  const d = makeTempDir();
  try {
    const p = join(d.path, name);
    writeFileSync(p, text);
    fn(p, d.path);
  } finally {
    d.cleanup();
  }
}

/** The RoutesFileError of loading `text`. */
function loadError(text: string, env: Record<string, string> = {}): RoutesFileError {
  let caught: unknown;
  withFile(text, (p) => {
    try {
      loadRoutes(p, { env });
    } catch (err) {
      caught = err;
    }
  });
  assert.ok(caught instanceof RoutesFileError, `expected a RoutesFileError, got ${String(caught)}`);
  assert.ok(caught instanceof UsageError);
  return caught;
}

test('the example file loads: url, headers with an env secret, types, a match table, lines', () => {
  withFile(EXAMPLE, (p) => {
    const routes = loadRoutes(p, { env: { ACME_KEY: 's3cret' } });
    assert.deepEqual([...routes.keys()], ['acme', 'globex']);
    const acme = routes.get('acme')!;
    assert.equal(acme.url, 'https://acme.example/kumo');
    assert.deepEqual(acme.headers, { 'X-Key': 's3cret' });
    assert.deepEqual([...acme.types!], ['Delivery', 'Bounce']);
    assert.equal(acme.line, 1);
    const globex = routes.get('globex')!;
    assert.equal(globex.line, 5);
    assert.equal(globex.types, undefined);
    assert.deepEqual(globex.matchTable, { 'meta.opt_in': 'yes' });
    assert.equal(globex.match.test(viewOf('{"type":"Delivery","meta":{"opt_in":"yes"}}')), true);
    assert.equal(globex.match.test(viewOf(docsLine('example-Delivery.json'))), false);
  });
});

test('${file:PATH} reads a secret relative to the routes file, without its trailing newline', () => {
  withFile('[a]\nurl = "https://a.example/k"\nheaders = { Authorization = "Bearer ${file:a.token}" }\n', (p, dir) => {
    writeFileSync(join(dir, 'a.token'), 'tok-123\n');
    assert.deepEqual(loadRoutes(p).get('a')!.headers, { Authorization: 'Bearer tok-123' });
  });
});

test('every TOML spelling of a route gives the same route: dotted keys, inline tables, sub-tables', () => {
  const forms = [
    'a.url = "https://a.example/k"\na.match = { tenant = "t" }\n',
    'a = { url = "https://a.example/k", match = { tenant = "t" } }\n',
    '[a]\nurl = "https://a.example/k"\nmatch.tenant = "t"\n',
    '[a.match]\ntenant = "t"\n[a]\nurl = "https://a.example/k"\n',
  ];
  for (const text of forms) {
    withFile(text, (p) => {
      const a = loadRoutes(p).get('a')!;
      assert.equal(a.url, 'https://a.example/k', text);
      assert.deepEqual(a.matchTable, { tenant: 't' }, text);
      assert.equal(a.line, 1, text);
    });
  }
});

test('an empty file is an empty table', () => {
  withFile('# no routes yet\n', (p) => assert.equal(loadRoutes(p).size, 0));
});

test('load errors name the file, the line and the key', () => {
  const e1 = loadError('[a]\nurl = "https://a.example"\n\n[b]\nurl = "https://b.example"\ntypes = ["Delivery", "Bounces"]\n');
  assert.match(e1.message, /routes\.toml:6: b\.types\[1\]: "Bounces" is not a record type \(Reception, Delivery, /);
  assert.deepEqual([e1.line, e1.key], [6, 'b.types[1]']);

  assert.match(loadError('[a]\nurl = "https://a.example"\nurll = "x"\n').message, /routes\.toml:3: a\.urll: unknown key; a route has url, headers, types, match$/);
  assert.match(loadError('[a]\nheaders = { X = "1" }\n').message, /routes\.toml:1: a: url = "https:\/\/\.\.\." is required/);
  assert.match(loadError('[a]\nurl = 5\n').message, /routes\.toml:2: a\.url: url = .* is required \(a string\)/);
  assert.match(loadError('[a]\nurl = "ftp://a.example/x"\n').message, /routes\.toml:2: a\.url: not an absolute http:\/\/ or https:\/\/ URL$/);
  assert.match(loadError('[a]\nurl = "/relative"\n').message, /routes\.toml:2: a\.url: not an absolute/);
  assert.match(loadError('a = "https://a.example"\n').message, /routes\.toml:1: a: a route is a table/);
  assert.match(loadError('[a]\nurl = "https://a.example"\n[a.match]\ntenant = "x"\n"response.code" = "5**"\n').message,
    /routes\.toml:5: a\.match: "response\.code" = "5\*\*": not a response code/);
  assert.match(loadError('[a]\nurl = "https://a.example"\nmatch = { tennant = "x" }\n').message, /routes\.toml:3: a\.match: key "tennant": unknown field/);
  assert.match(loadError('[a]\nurl = "https://a.example"\nheaders = { "Bad Name" = "x" }\n').message, /routes\.toml:3: a\.headers\.Bad Name: not a valid header name/);
  assert.match(loadError('[a]\nurl = "https://a.example"\ntypes = []\n').message, /routes\.toml:3: a\.types: types is a non-empty list/);
});

test('TOML syntax errors and duplicate routes name the line', () => {
  const e = loadError('[a]\nurl = "https://a.example"\nbad line here\n');
  assert.match(e.message, /routes\.toml:3: not valid TOML: Expected equal \(=\) token/);
  assert.equal(e.line, 3);
  assert.match(loadError('[a]\nurl = "https://a.example\n').message, /routes\.toml:2: not valid TOML: Unterminated string/);
  assert.match(loadError('[a]\nurl = "https://a.example"\n[a]\nurl = "https://b.example"\n').message, /routes\.toml:3: not valid TOML: Defining a key multiple times/);
});

test('secret errors name the reference, never a value', () => {
  const env = loadError('[a]\nurl = "https://a.example"\nheaders = { X-Key = "${env:NOPE}" }\n');
  assert.match(env.message, /routes\.toml:3: a\.headers\.X-Key: \$\{env:NOPE\}: the environment variable NOPE is not set/);
  assert.match(loadError('[a]\nurl = "https://a.example"\nheaders = { X = "${file:missing.txt}" }\n').message, /a\.headers\.X: \$\{file:missing\.txt\}: cannot read .*missing\.txt: ENOENT/);
  assert.match(loadError('[a]\nurl = "https://a.example/${vault:x}"\n').message, /a\.url: \$\{vault:x\} is not a secret reference: write \$\{env:NAME\} or \$\{file:PATH\}/);
  // a bad URL built from a secret is refused without showing the URL
  const bad = loadError('[a]\nurl = "${env:U}"\n', { U: 'not a url with s3cret' });
  assert.doesNotMatch(bad.message, /s3cret/);
  const crlf = loadError('[a]\nurl = "https://a.example"\nheaders = { X = "${env:V}" }\n', { V: 'v\r\nInjected: 1' });
  assert.match(crlf.message, /a\.headers\.X: a header value may not hold CR, LF or NUL/);
  assert.doesNotMatch(crlf.message, /Injected/);
});

test('a missing routes file is an error naming it', () => {
  assert.throws(() => loadRoutes('/nonexistent/routes.toml'), (e: unknown) => e instanceof RoutesFileError && e.message === '/nonexistent/routes.toml: does not exist');
});
