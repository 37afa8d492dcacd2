// The README's "Quick start on one machine" runs as written (but for `npm install`, done already,
// a free port instead of 8080 and a temp state dir instead of /tmp/lh), in a terminal as a user
// runs it: script(1) gives bash a pseudo-terminal, so job control works (`kill %1` stops the
// receiver's whole process group, npx's child included) and the receiver prints its text form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/child.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

function listenable(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer().once('error', () => res(false)).listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

const noScript = spawnSync('script', ['--version']).error ? 'script(1) is not installed (Debian package bsdutils)' : false;

test("the README's quick start delivers the 1,562 fixture records to loghook receive", { skip: noScript }, async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Quick start on one machine'));
  const block = section.split('```sh\n')[1]!.split('```')[0]!;
  assert.match(block, /^npx loghook receive --port 8080 &/m);
  assert.match(block, /^npx loghook tail test\/fixtures\/segments --url http:\/\/127\.0\.0\.1:8080\/ --once --state-dir \/tmp\/lh$/m);
  const dir = makeTempDir();
  try {
    const port = String(await freePort());
    const script = block
      .split('\n')
      .filter((l) => l.trim() !== 'npm install')
      .join('\n')
      .replaceAll('8080', port)
      .replaceAll('/tmp/lh', join(dir.path, 'state'));
    const file = join(dir.path, 'quickstart.sh');
    writeFileSync(file, script);
    const r = spawnSync('script', ['-qec', `bash -m -e ${file}`, '/dev/null'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.status, 0, r.stdout.slice(-2000));
    // A terminal's output: \r\n line ends, npx's spinner in front of the first line.
    const lines = r.stdout.split(/\r?\n/);
    assert.ok(lines.some((l) => l.endsWith(`http://127.0.0.1:${port}/`)), 'the receiver prints its URL');
    const requests = lines.filter((l) => /^#\d+ POST \/ {2}1 record \(single, /.test(l));
    assert.equal(requests.length, 1562);
    assert.ok(requests.every((l) => l.endsWith('answered 200')));
    assert.ok(lines.some((l) => /caught up.*delivered=1562/.test(l)), r.stdout.slice(-2000));
    // kill %1 ended the receiver: its port is free again.
    await waitFor(() => listenable(Number(port)), { what: 'the receiver to exit after kill %1', timeoutMs: 10_000 });
  } finally {
    dir.cleanup();
  }
});
