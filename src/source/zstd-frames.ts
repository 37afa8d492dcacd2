// Walks the block structure of zstd frames (RFC 8878) without decoding. Used only to recover
// from a corrupt segment: feeding the decoder one block per call means a bad block fails a call
// that has produced nothing, so every line before it is still handed on.

const MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;

export class BlockCutter {
  private inFrame = false;
  private checksum = false;

  /**
   * The end offset of the next unit starting at `pos` (a frame header with its first block, a
   * block, a checksum, a skippable frame), or -1 when `buf` does not hold enough to tell
   * (the caller then feeds the rest as it is).
   */
  next(buf: Buffer, pos: number): number {
    let o = pos;
    if (!this.inFrame) {
      if (o + 4 > buf.length) return -1;
      const magic = buf.readUInt32LE(o);
      if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE) return o + 8 > buf.length ? -1 : o + 8 + buf.readUInt32LE(o + 4);
      if (magic !== MAGIC || o + 5 > buf.length) return -1;
      const fhd = buf[o + 4]!;
      const single = (fhd >> 5) & 1;
      const fcs = [single, 2, 4, 8][fhd >> 6]!;
      o += 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]! + fcs;
      this.checksum = ((fhd >> 2) & 1) === 1;
      this.inFrame = true;
    }
    if (o + 3 > buf.length) return -1;
    const h = buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16);
    const type = (h >> 1) & 3;
    o += 3 + (type === 1 ? 1 : h >>> 3);
    if (h & 1) {
      this.inFrame = false;
      if (this.checksum) o += 4;
    }
    return o;
  }
}
