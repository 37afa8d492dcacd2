import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../src/source/line-splitter.js';

function feed(splitter: LineSplitter, chunks: string[]) {
  const lines: { line: number; offset: number; text: string }[] = [];
  const tooLong: { line: number; bytes: number }[] = [];
  let maxBuffer = 0;
  for (let c of chunks) {
    do {
      const [buf, start] = splitter.nextBuffer();
      maxBuffer = Math.max(maxBuffer, buf.length);
      const n = buf.write(c, start); // as much as fits, like a decode round
      c = c.slice(n);
      push(buf, start + n);
    } while (c.length > 0);
  }
  function push(buf: Buffer, end: number) {
    splitter.push(buf, end, {
      onLines: (b, bounds, count, first, base) => {
        for (let i = 0; i < count; i++) lines.push({ line: first + i, offset: base + bounds[i]!, text: b.toString('utf8', bounds[i]!, bounds[i + 1]!) });
      },
      onTooLong: (line, bytes) => tooLong.push({ line, bytes }),
    });
  }
  return { lines, tooLong, maxBuffer };
}

test('a partial last line is held until the rest arrives, with exact line indexes and offsets', () => {
  const s = new LineSplitter(1024, 64);
  const { lines } = feed(s, ['{"a":1}\n{"b"', ':2}\n', '{"c":3}\n{"d', '']);
  assert.deepEqual(lines, [
    { line: 0, offset: 0, text: '{"a":1}\n' },
    { line: 1, offset: 8, text: '{"b":2}\n' },
    { line: 2, offset: 16, text: '{"c":3}\n' },
  ]);
  assert.equal(s.pendingBytes, 3);
  assert.equal(s.takeCarry()!.toString(), '{"d');
});

test('a line longer than the limit is skipped and counted while the lines around it flow', () => {
  const s = new LineSplitter(16, 64);
  const long = 'x'.repeat(40);
  const { lines, tooLong } = feed(s, ['{"a":1}\n' + long + '\n{"b":2}\n']);
  assert.deepEqual(lines.map((l) => [l.line, l.text]), [[0, '{"a":1}\n'], [2, '{"b":2}\n']]);
  assert.deepEqual(tooLong, [{ line: 1, bytes: 41 }]);
});

test('an over-long line that streams in over many buffers is skipped with bounded memory', () => {
  const limit = 1000;
  const s = new LineSplitter(limit, 256);
  const chunks = ['{"a":1}\n' + 'y'.repeat(100)];
  for (let i = 0; i < 500; i++) chunks.push('z'.repeat(200)); // a 100 KB line, in pieces
  chunks.push('\n{"b":2}\n');
  const { lines, tooLong, maxBuffer } = feed(s, chunks);
  assert.deepEqual(lines.map((l) => l.text), ['{"a":1}\n', '{"b":2}\n']);
  assert.equal(lines[1]!.line, 2);
  assert.deepEqual(tooLong, [{ line: 1, bytes: 100 + 500 * 200 + 1 }]);
  assert.ok(maxBuffer <= limit + 256, `buffers stay bounded (${maxBuffer})`);
  assert.equal(lines[1]!.offset, 8 + 100 + 100_000 + 1);
});
