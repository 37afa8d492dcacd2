// The segment reader and tailer against real zstd segments written the way kumod writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, symlinkSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { copyFixtureSegments, readExpectedLines } from '../helpers/fixtures.js';
import { SegmentWriter, writeSegment, concatFrames } from '../helpers/segment-writer.js';
import { recordLines } from '../helpers/records.js';
import { makeTempDir } from '../helpers/tmp.js';
import { readOnce, linesOf, memoryLogger, type SeenLine } from './collect.js';
import { resolveTargets } from '../../src/source/discovery.js';
import { Tailer } from '../../src/source/tailer.js';
import { waitFor } from '../helpers/child.js';

/** File offsets of the block headers of a one-frame segment (no dictionary, no content size). */
function blockHeaderOffsets(b: Buffer): number[] {
  const fhd = b[4]!;
  assert.equal(fhd & 0b1110_0011, 0, 'frame header without content size or dictionary');
  const out: number[] = [];
  for (let o = 6; o + 3 <= b.length; ) {
    out.push(o);
    const h = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);
    const type = (h >> 1) & 3;
    o += 3 + (type === 1 ? 1 : h >>> 3);
    if (h & 1) break;
  }
  return out;
}

const lines = recordLines;

test('the fixture directory yields exactly the complete lines: finished, crashed and live segments', async () => {
  const d = makeTempDir();
  try {
    const segs = copyFixtureSegments(d.path);
    const { seen, log, tailer } = await readOnce([d.path]);
    const expected = segs.flatMap((s) => readExpectedLines(s).map((text, line) => ({ segment: s.name, line, text })));
    assert.deepEqual(seen.map(({ segment, line, text }) => ({ segment, line, text })), expected);
    // the crash-truncated segment is named in a warning with the bytes of partial line dropped
    const w = log.entries.find((e) => e.msg.includes('20250912-110901.500'));
    assert.match(w!.msg, /truncated segment .* (\d+) bytes of a partial last line dropped/);
    assert.equal(tailer.counters.segmentsTruncated, 1);
    assert.equal(tailer.counters.segmentsFinished, 2);
  } finally {
    d.cleanup();
  }
});

test('every line carries its segment, line index and decompressed byte offset', async () => {
  const d = makeTempDir();
  try {
    const input = lines(600);
    writeSegment(d.path, '20260101-000000.000000001', input);
    const { seen } = await readOnce([d.path]);
    let offset = 0;
    seen.forEach((l, i) => {
      assert.equal(l.line, i);
      assert.equal(l.offset, offset);
      assert.equal(l.text, input[i]);
      offset += Buffer.byteLength(input[i]!);
    });
    assert.equal(seen.length, 600);
  } finally {
    d.cleanup();
  }
});

test('the live segment is followed block by block: each block on disk comes out at once', async () => {
  const d = makeTempDir();
  const w = SegmentWriter.create(d.path, '20260101-000000.000000001');
  const seen: SeenLine[] = [];
  const tailer = new Tailer({ targets: await resolveTargets([d.path]), follow: true, logger: memoryLogger(), rescanMs: 50, onBatch: (b) => void seen.push(...linesOf(b)) });
  const running = tailer.run();
  try {
    const input = lines(900);
    let written = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 300; i++) w.write(input[written++]!);
      w.flushBlock();
      const onDisk = w.linesOnDisk;
      await waitFor(() => seen.length === onDisk, { what: `${onDisk} lines read`, timeoutMs: 3000 });
      assert.deepEqual(seen.map((s) => s.text), input.slice(0, onDisk));
    }
    w.finish();
    await waitFor(() => tailer.counters.segmentsFinished === 1, { what: 'segment finished' });
    assert.equal(seen.length, 900);
  } finally {
    tailer.stop();
    await running;
    d.cleanup();
  }
});

test('a live segment is read up to its last complete line and the partial line is held back', async () => {
  const d = makeTempDir();
  try {
    const input = lines(1000);
    const w = SegmentWriter.create(d.path, '20260101-000000.000000001');
    for (const l of input) w.write(l);
    w.leaveOpen(); // blocks of 128 KiB landed; the rest is still in kumod's buffer
    const { seen, tailer } = await readOnce([d.path]);
    assert.ok(w.linesOnDisk > 0 && w.linesOnDisk < 1000);
    assert.deepEqual(seen.map((s) => s.text), input.slice(0, w.linesOnDisk));
    assert.equal(tailer.counters.segmentsFinished + tailer.counters.segmentsTruncated, 0);
  } finally {
    d.cleanup();
  }
});

test('a crashed segment ends with a warning and the next segment is read', async () => {
  const d = makeTempDir();
  try {
    const a = lines(700, 1);
    const b = lines(5, 2);
    const w = SegmentWriter.create(d.path, '20260101-000000.000000001');
    for (const l of a) w.write(l);
    w.crash({ cutBytes: 100 }); // read-only, cut in the middle of its last block
    writeSegment(d.path, '20260101-000100.000000001', b);
    const { seen, log, tailer } = await readOnce([d.path]);
    assert.deepEqual(seen.map((s) => s.text), [...a.slice(0, w.linesOnDisk), ...b]);
    assert.equal(tailer.counters.segmentsTruncated, 1);
    assert.ok(log.entries.some((e) => e.level === 'warn' && e.msg.includes('20260101-000000.000000001') && /truncated/.test(e.msg)));
  } finally {
    d.cleanup();
  }
});

test('concatenated frames in one segment (releases before 2024.11) are all read', async () => {
  const d = makeTempDir();
  try {
    const a = lines(300, 1);
    const b = lines(200, 2);
    concatFrames(d.path, '20230311-033705', [a, b]);
    const { seen, tailer } = await readOnce([d.path]);
    assert.deepEqual(seen.map((s) => s.text), [...a, ...b]);
    assert.deepEqual(seen.map((s) => s.line), [...Array(500).keys()]);
    assert.equal(tailer.counters.segmentsFinished, 1);
  } finally {
    d.cleanup();
  }
});

test('0-byte segments, live or finished, are neither errors nor stalls', async () => {
  const d = makeTempDir();
  try {
    writeFileSync(join(d.path, '20260101-000000.000000001'), '');
    chmodSync(join(d.path, '20260101-000000.000000001'), 0o444);
    const b = lines(3);
    writeSegment(d.path, '20260101-000100.000000001', b);
    writeFileSync(join(d.path, '20260101-000200.000000001'), '', { mode: 0o644 }); // just opened by kumod
    const { seen, log, tailer } = await readOnce([d.path]);
    assert.deepEqual(seen.map((s) => s.text), b);
    assert.equal(tailer.counters.segmentsFinished, 2);
    assert.equal(log.entries.filter((e) => e.level !== 'debug').length, 0);
  } finally {
    d.cleanup();
  }
});

test('a writable segment of one stream does not hold up finished segments of another stream', async () => {
  const d = makeTempDir();
  try {
    const recv = lines(50, 1);
    const w = SegmentWriter.create(d.path, '20260101-000000.000000001_recv');
    for (const l of recv) w.write(l);
    w.leaveOpen(); // _recv's live segment, nothing flushed yet
    const del = lines(40, 2);
    writeSegment(d.path, '20260101-000100.000000001_deliv', del);
    writeSegment(d.path, '20260101-000200.000000001_deliv', del.slice(0, 10));
    const { seen } = await readOnce([d.path]);
    assert.equal(seen.filter((s) => s.segment.endsWith('_deliv')).length, 50);
  } finally {
    d.cleanup();
  }
});

test('an abandoned writable segment older than newer finished ones is still read to its end while they proceed', async () => {
  const d = makeTempDir();
  const old = SegmentWriter.create(d.path, '20260101-000000.000000001');
  const a = lines(400, 1);
  for (const l of a.slice(0, 200)) old.write(l);
  old.flushBlock(); // writable, drained: an abandoned writer
  const b = lines(30, 2);
  writeSegment(d.path, '20260101-000100.000000001', b);
  const seen: SeenLine[] = [];
  const tailer = new Tailer({ targets: await resolveTargets([d.path]), follow: true, logger: memoryLogger(), rescanMs: 50, onBatch: (x) => void seen.push(...linesOf(x)) });
  const running = tailer.run();
  try {
    await waitFor(() => seen.length === 230, { what: 'both segments read' });
    for (const l of a.slice(200)) old.write(l);
    old.finish(); // the old writer comes back and finishes
    await waitFor(() => seen.length === 430, { what: 'the rest of the old segment' });
    assert.deepEqual(seen.filter((s) => s.segment === '20260101-000000.000000001').map((s) => s.text), a);
    assert.deepEqual(seen.filter((s) => s.segment === '20260101-000100.000000001').map((s) => s.text), b);
    const cp = JSON.parse([...tailer.checkpoints().values()][0]!);
    assert.equal(cp.done_through, '20260101-000100.000000001');
  } finally {
    tailer.stop();
    await running;
    d.cleanup();
  }
});

test('a finished segment is read to its end before newer segments of its stream (name order is read order)', async () => {
  const d = makeTempDir();
  try {
    const names = ['20260101-000300.000000001', '20260101-000000.000000001', '20260101-000100.000000001'];
    names.forEach((n, i) => writeSegment(d.path, n, lines(2000, i + 1)));
    const { seen } = await readOnce([d.path], { turnBytes: 4096 });
    const order = seen.map((s) => s.segment).filter((s, i, all) => all[i - 1] !== s);
    assert.deepEqual(order, [...names].sort());
  } finally {
    d.cleanup();
  }
});

test('a segment deleted before it is opened is a warning and a count; the rest flows', async () => {
  const d = makeTempDir();
  try {
    writeSegment(d.path, '20260101-000000.000000001', lines(5, 1));
    // a dangling link stands for a file listed and then deleted before its open
    symlinkSync(join(d.path, 'gone'), join(d.path, '20260101-000100.000000001'));
    writeSegment(d.path, '20260101-000200.000000001', lines(5, 2));
    const { seen, log, tailer } = await readOnce([d.path]);
    assert.equal(seen.length, 10);
    assert.equal(tailer.counters.segmentsVanished, 1);
    assert.ok(log.entries.some((e) => e.level === 'warn' && e.msg.includes('20260101-000100.000000001') && /deleted before/.test(e.msg)));
  } finally {
    d.cleanup();
  }
});

test('a finished segment deleted while being read is finished through the open descriptor', async () => {
  const d = makeTempDir();
  try {
    const input = lines(3000);
    const w = writeSegment(d.path, '20260101-000000.000000001', input);
    let deleted = false;
    const seen: SeenLine[] = [];
    const tailer = new Tailer({
      targets: await resolveTargets([d.path]),
      follow: false,
      logger: memoryLogger(),
      turnBytes: 8192,
      onBatch: (b) => {
        seen.push(...linesOf(b));
        if (!deleted) {
          unlinkSync(w.path);
          deleted = true;
        }
      },
    });
    await tailer.run();
    assert.ok(deleted);
    assert.deepEqual(seen.map((s) => s.text), input);
    assert.equal(tailer.counters.segmentsFinished, 1);
  } finally {
    d.cleanup();
  }
});

test('a live segment deleted while kumod writes it gets a notice and the reader goes on', async () => {
  const d = makeTempDir();
  const w = SegmentWriter.create(d.path, '20260101-000000.000000001');
  const input = lines(600, 1);
  for (const l of input.slice(0, 300)) w.write(l);
  w.flushBlock();
  const seen: SeenLine[] = [];
  const log = memoryLogger();
  const tailer = new Tailer({ targets: await resolveTargets([d.path]), follow: true, logger: log, rescanMs: 50, onBatch: (b) => void seen.push(...linesOf(b)) });
  const running = tailer.run();
  try {
    await waitFor(() => seen.length === 300, { what: 'first block' });
    unlinkSync(w.path);
    for (const l of input.slice(300)) w.write(l); // kumod keeps writing to the unlinked file
    w.flushBlock();
    await waitFor(() => tailer.counters.segmentsDeletedLive === 1, { what: 'deleted live segment noticed' });
    assert.ok(log.entries.some((e) => e.msg.includes('deleted while still being written')));
    const next = lines(7, 2);
    writeSegment(d.path, '20260101-000100.000000001', next);
    await waitFor(() => seen.some((s) => s.segment === '20260101-000100.000000001' && s.line === 6), { what: 'next segment read' });
    assert.deepEqual(seen.slice(0, 300).map((s) => s.text), input.slice(0, 300));
  } finally {
    w.leaveOpen();
    tailer.stop();
    await running;
    d.cleanup();
  }
});

test('bytes that are not zstd are an error naming the file and offset; other segments flow', async () => {
  const d = makeTempDir();
  try {
    writeFileSync(join(d.path, '20260101-000000.000000001'), 'this is plain text, not zstd\n'.repeat(50), { mode: 0o444 });
    writeSegment(d.path, '20260101-000100.000000001', lines(4));
    const { seen, log, tailer } = await readOnce([d.path]);
    assert.equal(seen.length, 4);
    assert.equal(tailer.counters.segmentsCorrupt, 1);
    const e = log.entries.find((x) => x.level === 'error')!;
    assert.match(e.msg, /20260101-000000\.000000001: corrupt zstd data: .* at compressed byte 0 /);
  } finally {
    d.cleanup();
  }
});

test('a corrupt block ends its segment with an error after the lines before it', async () => {
  const d = makeTempDir();
  try {
    const input = lines(2000);
    const w = writeSegment(d.path, '20260101-000000.000000001', input);
    const bytes = readFileSync(w.path);
    chmodSync(w.path, 0o644);
    // give the third block header the reserved block type: a decoder must reject it
    const at = blockHeaderOffsets(bytes)[2]!;
    bytes[at] = bytes[at]! | 0b110;
    writeFileSync(w.path, bytes);
    chmodSync(w.path, 0o444);
    writeSegment(d.path, '20260101-000100.000000001', lines(3, 2));
    const { seen, log, tailer } = await readOnce([d.path]);
    const first = seen.filter((s) => s.segment === '20260101-000000.000000001');
    // every whole line of the two good blocks (2 x 128 KiB) comes out, none after
    const goodBytes = 2 * 128 * 1024;
    let expectedLines = 0;
    for (let sum = 0; sum + Buffer.byteLength(input[expectedLines]!) <= goodBytes; ) sum += Buffer.byteLength(input[expectedLines++]!);
    assert.equal(first.length, expectedLines);
    assert.deepEqual(first.map((s) => s.text), input.slice(0, first.length));
    assert.equal(seen.filter((s) => s.segment === '20260101-000100.000000001').length, 3);
    assert.equal(tailer.counters.segmentsCorrupt, 1);
    assert.ok(log.entries.some((e) => e.level === 'error' && e.msg.includes(`corrupt zstd data: `) && e.msg.includes(`at compressed byte ${at} `)));
  } finally {
    d.cleanup();
  }
});

test('resuming from a checkpoint skips exactly the consumed lines', async () => {
  const d = makeTempDir();
  try {
    const a = lines(1500, 1);
    const b = lines(20, 2);
    writeSegment(d.path, '20260101-000000.000000001', a);
    writeSegment(d.path, '20260101-000100.000000001', b);
    // stop after 1,234 lines: take the checkpoint as it is then
    const first: SeenLine[] = [];
    let cp: Map<string, string> | null = null;
    const t1 = new Tailer({
      targets: await resolveTargets([d.path]),
      follow: false,
      logger: memoryLogger(),
      onBatch: (x) => {
        for (const l of linesOf(x)) if (first.length < 1234) first.push(l);
        if (first.length >= 1234 && !cp) {
          cp = t1.checkpoints();
          t1.stop();
        }
      },
    });
    await t1.run();
    const taken = JSON.parse([...cp!.values()][0]!);
    const consumed = taken.open['20260101-000000.000000001'] as number;
    assert.ok(consumed >= 1234);
    const { seen } = await readOnce([d.path], { checkpoints: cp! });
    assert.deepEqual(seen.map((s) => s.text), [...a.slice(consumed), ...b]);
    assert.equal(seen[0]!.line, consumed);
  } finally {
    d.cleanup();
  }
});

test('a checkpoint whose segment was deleted resumes at the next segment with a warning', async () => {
  const d = makeTempDir();
  try {
    const a = writeSegment(d.path, '20260101-000000.000000001', lines(10, 1));
    const b = lines(10, 2);
    writeSegment(d.path, '20260101-000100.000000001', b);
    const stream = `${(await resolveTargets([d.path]))[0]!.path}/*`;
    const cp = new Map([[stream, JSON.stringify({ v: 1, done_through: null, open: { '20260101-000000.000000001': 4 }, done: [] })]]);
    rmSync(a.path, { force: true });
    const { seen, log } = await readOnce([d.path], { checkpoints: cp });
    assert.deepEqual(seen.map((s) => s.text), b);
    assert.ok(log.entries.some((e) => e.level === 'warn' && /checkpoint segment 20260101-000000.000000001 was deleted: resuming at the next segment/.test(e.msg)));
  } finally {
    d.cleanup();
  }
});

test('--poll mode sees new segments and growth without file system events', async () => {
  const d = makeTempDir();
  const seen: SeenLine[] = [];
  const tailer = new Tailer({ targets: await resolveTargets([d.path]), follow: true, usePolling: true, rescanMs: 40, logger: memoryLogger(), onBatch: (b) => void seen.push(...linesOf(b)) });
  const running = tailer.run();
  try {
    await new Promise((r) => setTimeout(r, 60));
    writeSegment(d.path, '20260101-000000.000000001', lines(12));
    await waitFor(() => seen.length === 12, { what: 'segment seen by polling' });
  } finally {
    tailer.stop();
    await running;
    d.cleanup();
  }
});

test('segments whose successor opened before --since are skipped by name without being read', async () => {
  const d = makeTempDir();
  try {
    writeSegment(d.path, '20260101-000000.000000001', lines(10, 1));
    writeSegment(d.path, '20260101-010000.000000001', lines(10, 2));
    writeSegment(d.path, '20260101-020000.000000001', lines(10, 3));
    const since = Date.parse('2026-01-01T01:30:00Z');
    const { seen, tailer } = await readOnce([d.path], { sinceMs: since });
    assert.deepEqual([...new Set(seen.map((s) => s.segment))], ['20260101-010000.000000001', '20260101-020000.000000001']);
    assert.equal(tailer.counters.segmentsSkippedSince, 1);
  } finally {
    d.cleanup();
  }
});

test('a symlink to a segment and a copy of it in the log dir: its records are read once, one warning per name', async () => {
  const d = makeTempDir();
  const log = memoryLogger();
  const seen: SeenLine[] = [];
  const input = lines(7);
  const w = writeSegment(d.path, '20260101-000000.000000001', input);
  symlinkSync(w.path, join(d.path, '20260101-000100.000000001'));
  writeFileSync(join(d.path, '20260101-000000.000000001.zst'), readFileSync(w.path));
  const tailer = new Tailer({ targets: await resolveTargets([d.path]), follow: true, rescanMs: 20, logger: log, onBatch: (b) => void seen.push(...linesOf(b)) });
  const running = tailer.run();
  try {
    await waitFor(() => tailer.counters.segmentsFinished === 1, { what: 'the segment read' });
    // a segment written afterwards is seen by later listings: they do not repeat the warnings
    const more = lines(2, 2);
    writeSegment(d.path, '20260101-000200.000000001', more);
    await waitFor(() => tailer.counters.segmentsFinished === 2, { what: 'the later segment read' });
    assert.equal(tailer.counters.ignoredFiles, 2);
    const expected = [...input.map((t) => ['20260101-000000.000000001', t]), ...more.map((t) => ['20260101-000200.000000001', t])];
    assert.deepEqual(seen.map((s) => [s.segment, s.text]), expected);
    const warnings = log.entries.filter((e) => e.level === 'warn').map((e) => e.msg);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.ok(warnings.some((m) => m.startsWith(`${join(d.path, '20260101-000100.000000001')}: leads to the same file as ${w.path}`)));
    assert.ok(warnings.some((m) => m.startsWith(`${join(d.path, '20260101-000000.000000001.zst')}: looks like a copy of a segment`)));
  } finally {
    tailer.stop();
    await running;
    d.cleanup();
  }
});
