// The one adapter for zstd. zstd-napi (native) decodes a live segment exactly: every block on disk
// comes out at once, and an unfinished frame is reported as such. fzstd (pure JS, ~4.6x slower)
// behaves the same and is the fallback when the native addon cannot load. zstd-codec is not used:
// it withholds the newest block of a live segment and hides truncation (both measured when the
// adapter was chosen).
import { createRequire } from 'node:module';
import { Decompress as FzstdDecompress } from 'fzstd';

export class ZstdDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZstdDataError';
  }
}

/** Streaming decoder of one file: zero or more concatenated frames. */
export interface StreamDecoder {
  /**
   * Decodes from `src` into `dst[dstStart..]` until `src` is used up or `dst` is full.
   * Returns how many bytes of `src` were consumed and how many were written to `dst`.
   * Throws ZstdDataError on bytes that are not zstd or a corrupt block.
   */
  decode(src: Buffer, dst: Buffer, dstStart: number): { consumed: number; produced: number };
  /** Call once the input is complete: true when it ended at a frame boundary (not truncated). */
  finish(): boolean;
  /** The segment is done: the decoder may serve another one. */
  release(): void;
}

interface NativeDCtx {
  decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number];
  reset(directive: number): void;
}

interface NativeCCtx {
  compress(dst: Uint8Array, src: Uint8Array, level: number): number;
}

type NativeBinding = {
  DCtx: new () => NativeDCtx;
  CCtx: new () => NativeCCtx;
  compressBound(size: number): number;
  ResetDirective: { sessionOnly: number };
};

function loadNative(): NativeBinding | null {
  if (process.env.LOGHOOK_ZSTD === 'fzstd') return null;
  try {
    return createRequire(import.meta.url)('zstd-napi/binding') as NativeBinding;
  } catch {
    return null;
  }
}

const native = loadNative();

/** Which implementation decodes: "zstd-napi" or "fzstd" (set LOGHOOK_ZSTD=fzstd to force the fallback). */
export const zstdBackend: 'zstd-napi' | 'fzstd' = native ? 'zstd-napi' : 'fzstd';

/** A decoder of the loaded backend, or of the one asked for (tests compare both). */
export function createDecoder(backend: 'zstd-napi' | 'fzstd' = zstdBackend): StreamDecoder {
  if (backend === 'zstd-napi') {
    if (!native) throw new Error('zstd-napi is not loaded');
    // A context keeps its 2 MiB window allocated: reused, segment after segment.
    return new NativeDecoder(spareContexts.pop() ?? new native.DCtx());
  }
  return new FallbackDecoder();
}

// Process-wide, as buffer-pool.ts's list: a context popped is its decoder's alone until the
// decoder gives it back, so readers never share one in use; pipelines share only the spares.
const spareContexts: NativeDCtx[] = [];

/** Compresses one buffer into one zstd frame (synchronous, native), or null when zstd-napi is
 * not loaded: fzstd only decodes. Used for request bodies (Content-Encoding: zstd). */
export function createCompressor(level = 3): ((src: Buffer) => Buffer) | null {
  if (!native) return null;
  const cctx = new native.CCtx();
  const bound = native.compressBound.bind(native);
  return (src) => {
    const dst = Buffer.allocUnsafe(bound(src.length));
    return dst.subarray(0, cctx.compress(dst, src, level));
  };
}

class NativeDecoder implements StreamDecoder {
  private atFrameBoundary = true;
  private released = false;
  constructor(private readonly dctx: NativeDCtx) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    // A context that met corrupt data is not trusted again.
    if (this.failed || spareContexts.length >= 8) return;
    this.dctx.reset(native!.ResetDirective.sessionOnly);
    spareContexts.push(this.dctx);
  }
  private failed = false;

  finish(): boolean {
    return this.atFrameBoundary;
  }

  decode(src: Buffer, dst: Buffer, dstStart: number) {
    let consumed = 0;
    let produced = 0;
    while (dstStart + produced < dst.length) {
      if (consumed === src.length && this.atFrameBoundary) break;
      let r: [number, number, number];
      try {
        r = this.dctx.decompressStream(dst.subarray(dstStart + produced), src.subarray(consumed));
      } catch (err) {
        this.failed = true;
        throw new ZstdDataError((err as Error).message);
      }
      consumed += r[2];
      produced += r[1];
      // 0 means a frame just ended and everything it held was flushed.
      this.atFrameBoundary = r[0] === 0;
      if (r[1] === 0 && r[2] === 0) break; // needs more input
    }
    return { consumed, produced };
  }
}

class FallbackDecoder implements StreamDecoder {
  private readonly pending: Uint8Array[] = [];
  private pendingHead = 0;
  private readonly inner = new FzstdDecompress((chunk) => {
    if (chunk.length > 0) this.pending.push(chunk.slice());
  });
  private seenInput = false;

  release(): void {}

  finish(): boolean {
    if (!this.seenInput) return true;
    // fzstd only tells at the end of input: a final push on an unfinished frame throws.
    try {
      this.inner.push(new Uint8Array(0), true);
      return true;
    } catch {
      return false;
    }
  }

  decode(src: Buffer, dst: Buffer, dstStart: number) {
    let consumed = 0;
    if (src.length > 0 && this.pendingBytes() < dst.length) {
      try {
        this.inner.push(src);
      } catch (err) {
        throw new ZstdDataError((err as Error).message);
      }
      this.seenInput = true;
      consumed = src.length;
    }
    let produced = 0;
    while (this.pending.length > 0 && dstStart + produced < dst.length) {
      const head = this.pending[0]!;
      const n = Math.min(head.length - this.pendingHead, dst.length - dstStart - produced);
      dst.set(head.subarray(this.pendingHead, this.pendingHead + n), dstStart + produced);
      produced += n;
      this.pendingHead += n;
      if (this.pendingHead === head.length) {
        this.pending.shift();
        this.pendingHead = 0;
      }
    }
    return { consumed, produced };
  }

  private pendingBytes(): number {
    let n = -this.pendingHead;
    for (const p of this.pending) n += p.length;
    return n;
  }
}
