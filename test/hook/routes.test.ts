import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RouteTable, type RouteTableOptions } from '../../src/hook/routes.js';
import { RoutesFileError } from '../../src/hook/routes-file.js';
import { makeTempDir } from '../helpers/tmp.js';

const route = (key: string, url: string, extra = '') => `[${key}]\nurl = "${url}"\n${extra}`;

interface Fixture {
  dir: string;
  path: string;
  table: RouteTable;
  changes: number[];
  errors: RoutesFileError[];
}

async function withTable(text: string, opts: RouteTableOptions, fn: (f: Fixture) => Promise<void>): Promise<void> {
  const d = makeTempDir();
  const path = join(d.path, 'routes.toml');
  writeFileSync(path, text);
  const changes: number[] = [];
  const errors: RoutesFileError[] = [];
  const table = new RouteTable(path, { ...opts, onChange: (t) => changes.push(t.version), onError: (e) => errors.push(e) });
  try {
    await fn({ dir: d.path, path, table, changes, errors });
  } finally {
    table.close();
    d.cleanup();
  }
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Writes a new version the way editors and config tools do it atomically: a temp file renamed over. */
function renameOver(f: Fixture, text: string): void {
  const tmp = join(f.dir, '.routes.toml.tmp');
  writeFileSync(tmp, text);
  renameSync(tmp, f.path);
}

test('lookup finds a route by its key; an unknown key finds nothing', async () => {
  await withTable(route('acme', 'https://acme.example/k') + route('globex', 'https://globex.example/k'), { pollMs: 0, watch: false }, async (f) => {
    assert.equal(f.table.lookup('acme')!.url, 'https://acme.example/k');
    assert.equal(f.table.lookup('ACME'), undefined);
    assert.equal(f.table.lookupFolded('ACME')!.url, 'https://acme.example/k');
    assert.equal(f.table.lookup('initech'), undefined);
    assert.equal(f.table.size, 2);
    assert.equal(f.table.version, 1);
  });
});

test('a file renamed over the routes file is picked up by the directory watch alone', async () => {
  await withTable(route('acme', 'https://old.example/k'), { pollMs: 0, watch: true }, async (f) => {
    renameOver(f, route('acme', 'https://new.example/k') + route('hooli', 'https://hooli.example/k'));
    await until('the change', () => f.changes.length === 1);
    assert.equal(f.table.lookup('acme')!.url, 'https://new.example/k');
    assert.equal(f.table.lookup('hooli')!.url, 'https://hooli.example/k');
    assert.deepEqual(f.changes, [2]);
    // and again: the watch is on the directory, so it survives the inode being replaced
    renameOver(f, route('acme', 'https://third.example/k'));
    await until('the second change', () => f.changes.length === 2);
    assert.equal(f.table.lookup('hooli'), undefined);
    assert.equal(f.table.version, 3);
  });
});

test('a file rewritten in place is picked up by the poll alone', async () => {
  await withTable(route('acme', 'https://old.example/k'), { pollMs: 30, watch: false }, async (f) => {
    writeFileSync(f.path, route('acme', 'https://in-place.example/k'));
    await until('the change', () => f.changes.length === 1);
    assert.equal(f.table.lookup('acme')!.url, 'https://in-place.example/k');
  });
});

test('a reload that fails keeps the previous table and reports the file and line; a fix is then picked up', async () => {
  await withTable(route('acme', 'https://good.example/k'), { pollMs: 30, watch: true }, async (f) => {
    renameOver(f, route('acme', 'https://good.example/k') + '[broken\n');
    await until('the error', () => f.errors.length === 1);
    assert.match(f.errors[0]!.message, /routes\.toml:4: not valid TOML: Unterminated table-key/);
    assert.equal(f.table.lookup('acme')!.url, 'https://good.example/k');
    assert.equal(f.table.version, 1);
    // reported once for that version of the file, not on every poll
    await sleep(150);
    assert.equal(f.errors.length, 1);
    renameOver(f, route('acme', 'https://fixed.example/k'));
    await until('the change', () => f.changes.length === 1);
    assert.equal(f.table.lookup('acme')!.url, 'https://fixed.example/k');
    assert.equal(f.errors.length, 1);
  });
});

test('a routes file that vanishes keeps the table and is reported; an emptied one too', async () => {
  await withTable(route('acme', 'https://a.example/k'), { pollMs: 30, watch: false }, async (f) => {
    writeFileSync(f.path, '');
    await until('the error', () => f.errors.length === 1);
    assert.match(f.errors[0]!.message, /routes\.toml: is empty \(a write under way\?\); keeping the 1 routes loaded before/);
    renameSync(f.path, f.path + '.gone');
    await until('the second error', () => f.errors.length === 2);
    assert.match(f.errors[1]!.message, /routes\.toml: does not exist/);
    assert.equal(f.table.lookup('acme')!.url, 'https://a.example/k');
    assert.equal(f.changes.length, 0);
  });
});

test('reload() re-reads at once; it reports whether the table changed', async () => {
  await withTable(route('acme', 'https://a.example/k'), { pollMs: 0, watch: false }, async (f) => {
    writeFileSync(f.path, route('acme', 'https://b.example/k'));
    assert.equal(f.table.lookup('acme')!.url, 'https://a.example/k', 'nothing re-reads without a timer or a watch');
    assert.equal(f.table.reload(), true);
    assert.equal(f.table.lookup('acme')!.url, 'https://b.example/k');
    assert.equal(f.table.reload(), false);
    writeFileSync(f.path, '# the same routes, spelled differently\n' + route('acme', 'https://b.example/k'));
    assert.equal(f.table.reload(), false, 'the same routes are no change');
    assert.deepEqual(f.changes, [2]);
    writeFileSync(f.path, 'nonsense');
    assert.equal(f.table.reload(), false);
    assert.equal(f.errors.length, 1);
    assert.equal(f.table.lookup('acme')!.url, 'https://b.example/k');
  });
});

test('reload() picks up a changed secret file though the routes file is unchanged', async () => {
  const d = makeTempDir();
  try {
    writeFileSync(join(d.path, 'key'), 'one\n');
    const path = join(d.path, 'routes.toml');
    writeFileSync(path, route('acme', 'https://a.example/k', 'headers = { X-Key = "${file:key}" }\n'));
    const t = new RouteTable(path, { pollMs: 0, watch: false, onError: (e) => assert.fail(e.message) });
    assert.deepEqual(t.lookup('acme')!.headers, { 'X-Key': 'one' });
    writeFileSync(join(d.path, 'key'), 'two\n');
    assert.equal(t.reload(), true);
    assert.deepEqual(t.lookup('acme')!.headers, { 'X-Key': 'two' });
    assert.equal(t.version, 2);
    t.close();
  } finally {
    d.cleanup();
  }
});

test('a bad routes file at start-up throws', () => {
  const d = makeTempDir();
  try {
    const path = join(d.path, 'routes.toml');
    writeFileSync(path, '[a]\nurl = 1\n');
    assert.throws(() => new RouteTable(path, { pollMs: 0, watch: false }), (e: unknown) => e instanceof RoutesFileError && /routes\.toml:2: a\.url/.test(e.message));
  } finally {
    d.cleanup();
  }
});

test('needs holds the fields of the routes’ match tables, and follows a reload', async () => {
  await withTable(route('a', 'https://a.example/k', '[a.match]\n"meta.x" = "1"\n'), { pollMs: 0, watch: false }, async (f) => {
    assert.deepEqual(f.table.needs.names, ['meta.x']);
    writeFileSync(f.path, route('a', 'https://a.example/k', 'types = ["Bounce"]\n[a.match]\n"headers.subject" = "*"\n'));
    f.table.reload();
    assert.deepEqual(f.table.needs.names, ['type', 'headers.subject']);
  });
});
