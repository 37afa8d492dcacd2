// The tarball a user installs: `npm pack` of a copy of this tree, `npm install -g` of it into a
// temporary prefix, then the installed `loghook` run as a user would. It proves the package
// ships the built JavaScript (no TypeScript at install), the man page and contrib files, and
// that its native addons build and load.
//
// Slow by nature: the install compiles better-sqlite3 and zstd-napi from source unless prebuilt
// binaries can be downloaded (about 2 min of CPU: 3.5 min on a 2-core machine, 9 min while other
// heavy jobs shared it). Packages come from the npm cache where it has them (--prefer-offline;
// `npm ci` filled it), so only the registry's metadata may be fetched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/tmp.js';
import { copyFixtureSegments, readExpectedLines } from '../helpers/fixtures.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const SKIPPED = new Set(['node_modules', 'dist', '.git', 'bench-data']);

function run(cmd: string, args: string[], cwd: string, timeoutMs = 15 * 60_000) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
    // JOBS: node-gyp compiles an addon's files in parallel
    env: { ...process.env, JOBS: 'max', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
  });
  if (r.error) throw r.error;
  return r;
}

test('npm pack makes a tarball that npm install -g installs and runs: --version, cat, man page, native addons', async () => {
  const tmp = makeTempDir('loghook-pack-');
  try {
    // Pack a copy, so that the prepack/prepare build does not touch this tree's dist/.
    const src = join(tmp.path, 'src');
    cpSync(ROOT, src, { recursive: true, filter: (p) => !SKIPPED.has(relative(ROOT, p).split('/')[0]!) });
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
    const out = join(tmp.path, 'out');
    mkdirSync(out);
    const packed = run('npm', ['pack', '--pack-destination', out], src);
    assert.equal(packed.status, 0, packed.stderr);
    const tarball = join(out, `${pkg.name}-${pkg.version}.tgz`);
    assert.ok(existsSync(tarball), packed.stdout);

    const list = run('tar', ['-tzf', tarball], tmp.path).stdout.split('\n').filter(Boolean);
    for (const f of ['package/bin/loghook.js', 'package/dist/src/cli/main.js', 'package/man/loghook.1', 'package/README.md', 'package/contrib/systemd/loghook.service', 'package/contrib/systemd/loghook.env.example', 'package/contrib/loghook.toml']) {
      assert.ok(list.includes(f), `the tarball lacks ${f}`);
    }
    assert.deepEqual(list.filter((f) => /\.ts$|^package\/(src|test|bench|dist\/test)\//.test(f)), [], 'sources and tests stay out of the tarball');

    const prefix = join(tmp.path, 'prefix');
    const inst = run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--allow-scripts=better-sqlite3,zstd-napi', tarball], tmp.path);
    assert.equal(inst.status, 0, inst.stderr);
    const installed = join(prefix, 'lib/node_modules', pkg.name);
    assert.ok(!existsSync(join(installed, 'node_modules/typescript')), 'typescript is not installed: nothing is compiled at install');
    assert.ok(existsSync(join(prefix, 'share/man/man1/loghook.1')), 'the man page is linked into share/man/man1');

    const bin = join(prefix, 'bin/loghook');
    const version = run(bin, ['--version'], tmp.path);
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), pkg.version);

    // The installed copy reads segments: the first lines through a pipe into head, and all of them.
    const logs = join(tmp.path, 'logs');
    mkdirSync(logs);
    const segments = copyFixtureSegments(logs);
    const head = run('sh', ['-c', `"${bin}" cat "${join(logs, segments[1]!.name)}" | head -n 3`], tmp.path);
    assert.equal(head.status, 0, head.stderr);
    assert.equal(head.stdout, readExpectedLines(segments[1]!).slice(0, 3).join(''));
    const all = run(bin, ['cat', logs], tmp.path);
    assert.equal(all.status, 0, all.stderr);
    assert.equal(all.stdout.split('\n').filter(Boolean).length, segments.reduce((n, s) => n + s.expectedLines, 0));

    // Both native addons built at install and load: SQLite for the queue, zstd-napi for decoding.
    const probe = run(process.execPath, ['--input-type=module', '-e', [
      `const z = await import(${JSON.stringify(join(installed, 'dist/src/source/zstd.js'))});`,
      `const { createRequire } = await import('node:module');`,
      `const Database = createRequire(${JSON.stringify(join(installed, 'package.json'))})('better-sqlite3');`,
      `console.log(z.zstdBackend, new Database(':memory:').prepare('select sqlite_version() v').get().v);`,
    ].join('\n')], tmp.path);
    assert.equal(probe.status, 0, probe.stderr);
    assert.match(probe.stdout.trim(), /^zstd-napi \d+\.\d+\.\d+$/);
    assert.ok(readdirSync(join(installed, 'contrib/systemd')).includes('loghook.service'));
  } finally {
    tmp.cleanup();
  }
});
