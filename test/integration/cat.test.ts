// `loghook cat` driven as a user drives it: the built binary in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { copyFixtureSegments } from '../helpers/fixtures.js';
import { SegmentWriter, writeSegment } from '../helpers/segment-writer.js';
import { recordLines } from '../helpers/records.js';
import { makeTempDir } from '../helpers/tmp.js';
import { zstdCat } from '../helpers/decode.js';
import { waitFor } from '../helpers/child.js';
import { BIN, logLines, runCli, startCli } from '../helpers/cli.js';

const lines = recordLines;

test('cat prints exactly the complete lines of finished, crashed and live segments, and exits 0', async () => {
  const d = makeTempDir();
  try {
    const segs = copyFixtureSegments(d.path);
    const r = await runCli(['cat', d.path]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.stdout, Buffer.concat(segs.map((s) => readFileSync(s.expectedPath))));
    const warn = logLines(r.stderr).find((l) => l.msg.includes('20250912-110901.500'));
    assert.match(warn!.msg, /truncated segment/);
  } finally {
    d.cleanup();
  }
});

test('for finished segments cat prints byte for byte what zstd -dc prints', async () => {
  const d = makeTempDir();
  try {
    const a = writeSegment(d.path, '20260101-000000.000000001', lines(3000, 1));
    const b = writeSegment(d.path, '20260101-000100.000000001', lines(1000, 2));
    const r = await runCli(['cat', d.path]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.stdout, Buffer.concat([zstdCat(a.path).stdout, zstdCat(b.path).stdout]));
    assert.equal(r.stderr, '');
  } finally {
    d.cleanup();
  }
});

test('the fzstd fallback prints the same bytes and the same truncation warning', async () => {
  const d = makeTempDir();
  try {
    copyFixtureSegments(d.path);
    const native = await runCli(['cat', d.path]);
    const fallback = await runCli(['cat', d.path], { LOGHOOK_ZSTD: 'fzstd' });
    assert.equal(fallback.code, 0);
    assert.deepEqual(fallback.stdout, native.stdout);
    assert.ok(logLines(fallback.stderr).some((l) => /20250912-110901\.500: truncated segment/.test(l.msg)));
  } finally {
    d.cleanup();
  }
});

test('cat --follow prints the live segment as kumod writes it, block by block', async () => {
  const d = makeTempDir();
  const w = SegmentWriter.create(d.path, '20260101-000000.000000001');
  const cat = startCli(['cat', '--follow', d.path]);
  try {
    const input = lines(1200);
    let n = 0;
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 300; i++) w.write(input[n++]!);
      w.flushBlock();
      const want = input.slice(0, w.linesOnDisk).join('');
      await waitFor(() => cat.stdout().length === Buffer.byteLength(want), { what: `round ${round}`, timeoutMs: 5000 });
      assert.equal(cat.stdout().toString(), want);
    }
    w.finish();
    const next = lines(5, 2);
    writeSegment(d.path, '20260101-000100.000000001', next);
    await waitFor(() => cat.stdout().toString().endsWith(next.join('')), { what: 'next segment' });
  } finally {
    cat.child.kill('SIGTERM');
    const r = await cat.done;
    assert.equal(r.code, 0, r.stderr);
    d.cleanup();
  }
});

test('cat --types, --since and --until filter records; --pattern picks segment files', async () => {
  const d = makeTempDir();
  try {
    const all = lines(2000);
    writeSegment(d.path, '20260101-000000.000000001', all.slice(0, 1000));
    writeSegment(d.path, '20260101-000100.000000001_recv', all.slice(1000));
    const parsed = all.map((l) => JSON.parse(l) as { type: string; timestamp: number });
    const types = await runCli(['cat', '--types', 'Delivery,Bounce', d.path]);
    assert.equal(types.code, 0);
    const got = types.stdout.toString().split(/(?<=\n)/);
    const firstStream = all.slice(0, 1000).filter((_l, i) => ['Delivery', 'Bounce'].includes(parsed[i]!.type));
    const second = all.slice(1000).filter((_l, i) => ['Delivery', 'Bounce'].includes(parsed[1000 + i]!.type));
    assert.deepEqual(got, [...firstStream, ...second]);

    const ts = parsed.map((p) => p.timestamp);
    const since = ts[300]!;
    const until = ts[700]!;
    const timed = await runCli(['cat', '--since', String(since), '--until', new Date(until * 1000).toISOString(), join(d.path, '20260101-000000.000000001')]);
    assert.deepEqual(timed.stdout.toString().split(/(?<=\n)/).filter(Boolean), all.slice(0, 1000).filter((_, i) => ts[i]! >= since && ts[i]! < until));

    const recv = await runCli(['cat', '--pattern', '*_recv', d.path]);
    assert.equal(recv.stdout.toString(), all.slice(1000).join(''));
  } finally {
    d.cleanup();
  }
});

test('a non-JSON line is named by segment and line number on stderr, and the rest of the file is printed', async () => {
  const d = makeTempDir();
  try {
    const input = lines(50);
    const withBad = [...input.slice(0, 20), 'segment_header: kumod test writer\n', ...input.slice(20)];
    writeSegment(d.path, '20260101-000000.000000001', withBad);
    const r = await runCli(['cat', d.path]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.toString(), input.join(''));
    const w = logLines(r.stderr).find((l) => l.level === 'warn' && l.msg.includes('line 21'));
    assert.match(w!.msg, /20260101-000000\.000000001: line 21 skipped: not JSON/);
  } finally {
    d.cleanup();
  }
});

test('a line longer than --max-line-bytes is skipped with a warning; the lines after it flow', async () => {
  const d = makeTempDir();
  try {
    const input = lines(30);
    const huge = `{"type":"Delivery","blob":"${'x'.repeat(300_000)}"}\n`;
    writeSegment(d.path, '20260101-000000.000000001', [...input.slice(0, 10), huge, ...input.slice(10)]);
    const r = await runCli(['cat', '--max-line-bytes', '64KiB', d.path]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.toString(), input.join(''));
    assert.ok(logLines(r.stderr).some((l) => /line 11 is .*longer than the limit: skipped/.test(l.msg)));
  } finally {
    d.cleanup();
  }
});

test('cat | head ends quietly: no stack trace, exit 0', () => {
  const d = makeTempDir();
  try {
    writeSegment(d.path, '20260101-000000.000000001', lines(20000));
    const r = spawnSync('bash', ['-c', `node ${BIN} cat ${d.path} | head -n 3 > /dev/null; echo "status=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    assert.match(r.stdout, /status=0/);
    assert.doesNotMatch(r.stderr, /Error|at /);
  } finally {
    d.cleanup();
  }
});

test('a directory that does not exist is an input error (exit 5) naming it', async () => {
  const r = await runCli(['cat', '/nonexistent/kumomta']);
  assert.equal(r.code, 5);
  assert.match(r.stderr, /\/nonexistent\/kumomta: does not exist/);
});

test('a bad option value is a usage error (exit 2) naming the option', async () => {
  const r = await runCli(['cat', '--types', 'Delivered', '/tmp']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--types: unknown record type "Delivered"/);
});

test('a single segment file can be named instead of a directory', async () => {
  const d = makeTempDir();
  try {
    const input = lines(10);
    writeSegment(d.path, 'copy-of-segment.zst', input);
    writeFileSync(join(d.path, 'other'), 'ignored');
    const r = await runCli(['cat', join(d.path, 'copy-of-segment.zst')]);
    assert.equal(r.stdout.toString(), input.join(''));
  } finally {
    d.cleanup();
  }
});

test('cat into a regular file (written straight, decode buffers reused) prints the same bytes, filtered or not', () => {
  const d = makeTempDir();
  try {
    const segs = ['20260101-000000.000000001', '20260101-000100.000000001', '20260101-000200.000000001'];
    const all = segs.map((n, i) => {
      const l = lines(1500, i + 1);
      writeSegment(d.path, n, l);
      return l;
    });
    const toFile = (args: string[]) => {
      const out = join(d.path, '.out');
      const fd = openSync(out, 'w');
      const r = spawnSync(process.execPath, [BIN, 'cat', ...args, d.path], { stdio: ['ignore', fd, 'pipe'] });
      closeSync(fd);
      assert.equal(r.status, 0, String(r.stderr));
      return readFileSync(out, 'utf8');
    };
    assert.equal(toFile([]), all.flat().join(''));
    const kept = all.flat().filter((l) => ['Delivery', 'Bounce'].includes((JSON.parse(l) as { type: string }).type));
    assert.equal(toFile(['--types', 'Delivery,Bounce']), kept.join(''));
  } finally {
    d.cleanup();
  }
});
