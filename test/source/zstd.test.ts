import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createDecoder, ZstdDataError, zstdBackend } from '../../src/source/zstd.js';
import { fixturePath } from '../helpers/fixtures.js';

function decodeAll(backend: 'zstd-napi' | 'fzstd', input: Buffer, step = 4096) {
  const dec = createDecoder(backend);
  const parts: Buffer[] = [];
  for (let off = 0; off <= input.length; off += step) {
    const src = input.subarray(off, Math.min(off + step, input.length));
    let used = 0;
    for (;;) {
      const dst = Buffer.alloc(64 * 1024);
      const { consumed, produced } = dec.decode(src.subarray(used), dst, 0);
      used += consumed;
      parts.push(dst.subarray(0, produced));
      if (used >= src.length && produced < dst.length) break;
    }
  }
  return { out: Buffer.concat(parts), complete: dec.finish() };
}

const expected = (name: string) => readFileSync(fixturePath('segments-expected', name));

test('zstd-napi is the loaded backend here', () => {
  assert.equal(zstdBackend, 'zstd-napi');
});

for (const backend of ['zstd-napi', 'fzstd'] as const) {
  test(`${backend}: a finished segment decodes fully and ends at a frame boundary`, () => {
    const { out, complete } = decodeAll(backend, readFileSync(fixturePath('segments', '20250912-110801.440526026')));
    assert.deepEqual(out, expected('20250912-110801.440526026.expected.jsonl'));
    assert.equal(complete, true);
  });

  test(`${backend}: a live segment yields every block on disk, fed in small pieces`, () => {
    const { out, complete } = decodeAll(backend, readFileSync(fixturePath('segments', '20250912-111301.901234567')), 777);
    const lines = expected('20250912-111301.901234567.complete-lines.jsonl');
    assert.deepEqual(out.subarray(0, lines.length), lines);
    assert.ok(out.length > lines.length, 'the partial last line is there too');
    assert.equal(complete, false);
  });

  test(`${backend}: a crash-truncated segment is reported as not ending at a frame boundary`, () => {
    const { out, complete } = decodeAll(backend, readFileSync(fixturePath('segments', '20250912-110901.500')));
    const lines = expected('20250912-110901.500.complete-lines.jsonl');
    assert.deepEqual(out.subarray(0, lines.length), lines);
    assert.equal(complete, false);
  });

  test(`${backend}: bytes that are not zstd throw ZstdDataError`, () => {
    assert.throws(() => decodeAll(backend, Buffer.from('plain text, not a zstd frame at all\n')), ZstdDataError);
  });

  test(`${backend}: an empty input is complete and yields nothing`, () => {
    const { out, complete } = decodeAll(backend, Buffer.alloc(0));
    assert.equal(out.length, 0);
    assert.equal(complete, true);
  });
}
