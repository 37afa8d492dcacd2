// One request from a SinkRequest, in steps, each a small function of its own:
//   body      the records' raw bytes as one body (deliver/batch-body.ts), from a pool
//   sign      the signature header over that body (signing.ts)
//   compress  gzip or zstd (compress.ts); the pooled body goes back at once
//   headers   the fixed ones and this request's (headers.ts)
// Signing comes before compressing: the signature covers the body as the receiver's application
// reads it, once the server has undone Content-Encoding (signing.ts says why).
import { bodyFromSlices, type Allocate } from '../../deliver/batch-body.js';
import { BodyPool } from '../../deliver/body-pool.js';
import type { SinkRequest } from '../../deliver/sink.js';
import type { Compressor } from './compress.js';
import { HeaderBuilder } from './headers.js';
import type { Signer } from './signing.js';

export interface BuiltRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/** Step 1: the body, in a pooled buffer when it had to be built. */
export function bodyStep(req: Pick<SinkRequest, 'slices' | 'format'>, acquire?: Allocate): Buffer {
  return bodyFromSlices(req.slices, req.format, acquire).body;
}

/** Step 2: the signature header's value, or null without a signer. */
export function signStep(signer: Signer | null, id: string, timestamp: string, body: Buffer): string | null {
  return signer ? signer.sign(id, timestamp, body) : null;
}

/** Step 3: the body as sent. */
export function compressStep(compressor: Compressor | null, body: Buffer): Promise<Buffer> | Buffer {
  return compressor ? compressor.compress(body) : body;
}

export class RequestBuilder {
  private readonly pool: BodyPool;
  private readonly acquire: Allocate;

  constructor(
    private readonly headers: HeaderBuilder,
    private readonly signer: Signer | null,
    private readonly compressor: Compressor | null,
    /** requests in flight at most (pooled bodies kept per size), or a pool the hook's endpoints share */
    inFlight: number | BodyPool,
  ) {
    this.pool = typeof inFlight === 'number' ? new BodyPool(inFlight * 2) : inFlight;
    this.acquire = this.pool.acquire.bind(this.pool);
  }

  /** The request as sent at `now` (ms). Call `release` once it is over. */
  async build(req: SinkRequest, now: number): Promise<BuiltRequest> {
    const timestamp = String(Math.floor(now / 1000));
    let body = bodyStep(req, this.acquire);
    const signature = signStep(this.signer, req.id, timestamp, body);
    if (this.compressor) {
      const plain = body;
      try {
        body = await compressStep(this.compressor, plain);
      } finally {
        this.pool.release(plain);
      }
    }
    const headers = this.headers.build({ id: req.id, slices: req.slices, records: req.records, attempt: req.attempt, format: req.format, timestamp });
    if (signature !== null) headers[this.signer!.header] = signature;
    return { body, headers };
  }

  /** Gives a pooled body back (others are ignored). */
  release(built: BuiltRequest): void {
    this.pool.release(built.body);
  }
}
