// Buffers of the segment readers (compressed reads, decode rounds) are reused across segments: a
// replay of thousands of small segments otherwise allocated ~1 MB per segment (measured: GC took
// a fifth of the time on 2,000 segments of 200 records).
//
// One free list per process, on purpose (REVIEW.md §d defect 19 asked): a buffer taken is the
// taker's alone until given back, so pipelines in one process (a tail and a replay, or several)
// share nothing but spare capacity, and one list keeps the total of spares at KEEP.

export const READ_BYTES = 256 * 1024;
const KEEP = 16;
const free: Buffer[] = [];

export function takeBuffer(): Buffer {
  return free.pop() ?? Buffer.allocUnsafeSlow(READ_BYTES);
}

/** Gives back a buffer that nothing refers to any more. Others sizes are left to the collector. */
export function giveBuffer(buf: Buffer): void {
  if (buf.length === READ_BYTES && buf.byteOffset === 0 && free.length < KEEP && !free.includes(buf)) free.push(buf);
}
