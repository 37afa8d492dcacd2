import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { after, test } from 'node:test';
import { streamDecode, zstdCat } from './decode.js';
import { createRecordGenerator } from './records.js';
import { concatFrames, SegmentWriter, writeSegment } from './segment-writer.js';
import { makeTempDir } from './tmp.js';

const tmp = makeTempDir('segment-writer-');
after(() => tmp.cleanup());

const BLOCK = 128 * 1024;
const modeOf = (path: string) => statSync(path).mode & 0o777;
const sizeOf = (path: string) => statSync(path).size;
function lines(n: number, seed = 1): string[] {
  const gen = createRecordGenerator({ seed });
  return Array.from({ length: n }, () => gen.nextLine());
}

test('a finished segment decodes with zstd -dc to exactly the lines written, mode 0444', () => {
  const input = lines(1000);
  const w = writeSegment(tmp.path, '20261101-000000.000000001', input);
  const r = zstdCat(w.path);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.toString(), input.join(''));
  assert.equal(modeOf(w.path), 0o444);
  assert.equal(w.linesOnDisk, 1000);
  assert.equal(w.bytesWritten, sizeOf(w.path));
  assert.ok(w.bytesWritten < w.bytesIn / 4, 'compressed like kumod (level 3)');
});

test('a live segment grows by whole 128 KiB blocks only, and zstd -dc fails on it', () => {
  const input = Buffer.from(lines(600, 2).join(''));
  const w = SegmentWriter.create(tmp.path, '20261101-000000.000000002');
  assert.equal(modeOf(w.path), 0o644);
  w.write(input.subarray(0, BLOCK - 1));
  assert.equal(sizeOf(w.path), 0, 'a new segment is 0 bytes until a block is full');
  w.write(input.subarray(BLOCK - 1, BLOCK + 5000));
  const oneBlock = sizeOf(w.path);
  assert.ok(oneBlock > 0);
  let seen = streamDecode(readFileSync(w.path));
  assert.deepEqual(seen.data, input.subarray(0, BLOCK), 'exactly one block of input, cut mid-line');
  assert.equal(seen.ended, false);
  w.write(input.subarray(BLOCK + 5000, BLOCK + 6000));
  assert.equal(sizeOf(w.path), oneBlock, 'below the threshold nothing lands');
  w.flushBlock();
  seen = streamDecode(readFileSync(w.path));
  assert.deepEqual(seen.data, input.subarray(0, BLOCK + 6000), 'flushBlock lands the buffered bytes');
  w.write(input.subarray(BLOCK + 6000));
  w.leaveOpen();
  assert.equal(modeOf(w.path), 0o644);
  seen = streamDecode(readFileSync(w.path));
  assert.equal(seen.data.length, BLOCK + 6000 + BLOCK * Math.floor((input.length - BLOCK - 6000) / BLOCK));
  assert.equal(w.linesOnDisk, seen.data.toString().split('\n').length - 1);
  assert.ok(w.linesOnDisk < w.linesWritten, 'the buffered tail of a live segment is not on disk');
  const r = zstdCat(w.path);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /premature end/);
});

test('a crashed segment is 0444, unfinished, and zstd -dc fails on it', () => {
  const w = SegmentWriter.create(tmp.path, '20261101-000000.000000003');
  for (const line of lines(300, 3)) w.write(line);
  w.crash();
  assert.equal(modeOf(w.path), 0o444);
  const seen = streamDecode(readFileSync(w.path));
  assert.equal(seen.ended, false);
  assert.equal(w.linesOnDisk, 300, 'without a cut, the buffered lines landed as a last block');
  assert.equal(seen.data.toString().split('\n').length - 1, 300);
  assert.notEqual(zstdCat(w.path).status, 0);
});

test('a crash cut into the last block keeps only the lines of whole blocks', () => {
  const input = lines(400, 4);
  const w = SegmentWriter.create(tmp.path, '20261101-000000.000000004');
  for (const line of input) w.write(line);
  w.flushBlock();
  const full = w.bytesWritten;
  w.crash({ cutBytes: 100 });
  assert.equal(sizeOf(w.path), full - 100);
  assert.equal(w.bytesWritten, full - 100);
  const seen = streamDecode(readFileSync(w.path)).data.toString();
  assert.equal(seen.split('\n').length - 1, w.linesOnDisk);
  assert.ok(w.linesOnDisk < 400 && w.linesOnDisk > 0);
  assert.ok(input.join('').startsWith(seen));
  assert.notEqual(zstdCat(w.path).status, 0);
});

test('concatFrames writes two complete frames that decode in order', () => {
  const [a, b] = [lines(50, 5), lines(70, 6)];
  const w = concatFrames(tmp.path, '20230311-033705', [a, b]);
  const r = zstdCat(w.path);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.toString(), a.join('') + b.join(''));
  assert.equal(w.linesOnDisk, 120);
});

test('writing to a finished segment throws', () => {
  const w = writeSegment(tmp.path, '20261101-000000.000000005', lines(1, 7));
  assert.throws(() => w.write('{}\n'), /already closed/);
});
