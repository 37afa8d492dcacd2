// Decoders to check what a segment holds, independent of loghook's own reader: the `zstd` command
// (a whole-file decoder, fails on a live or crashed segment) and a streaming decode that returns
// everything written so far, as a follower of a live segment sees it.
import { spawnSync } from 'node:child_process';
import { zstd } from './zstd.js';

/** `zstd -dc path`: status 0 and the whole content, or non-zero and the error on stderr. */
export function zstdCat(path: string): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync('zstd', ['-dc', path], { maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Decodes all whole blocks of `compressed` (any number of frames); `ended`: the last frame ended. */
export function streamDecode(compressed: Uint8Array): { data: Buffer; ended: boolean } {
  const dctx = new zstd.DCtx();
  const out = Buffer.allocUnsafe(zstd.dStreamOutSize());
  const parts: Buffer[] = [];
  let off = 0;
  let hint = 1;
  for (;;) {
    const [next, produced, consumed] = dctx.decompressStream(out, compressed.subarray(off));
    off += consumed;
    parts.push(Buffer.from(out.subarray(0, produced)));
    hint = next;
    // a full output buffer may mean more output is waiting even with no input left
    if (off === compressed.length && produced < out.length) break;
  }
  return { data: Buffer.concat(parts), ended: hint === 0 && compressed.length > 0 };
}
