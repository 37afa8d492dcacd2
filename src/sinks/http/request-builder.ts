// One request from a SinkRequest, in steps, each a small function of its own:
//   body      the records' raw bytes as one body (deliver/batch-body.ts), from a pool; or, with
//             body shaping (src/body/), the shaped records as array, ndjson or envelope
//   sign      the signature header over that body (signing.ts)
//   compress  gzip or zstd (compress.ts); the pooled body goes back at once
//   headers   the fixed ones and this request's (headers.ts)
// Signing comes before compressing: the signature covers the body as the receiver's application
// reads it, once the server has undone Content-Encoding (signing.ts says why).
// A shaped body can differ in size from the records' bytes the batcher counted: one over
// max_batch_bytes is not sent but split (a `too-large` outcome, as a 413 would be), down to
// single records, which go whatever their size, as an oversized raw record does. A record that
// cannot be shaped is refused here too (body/refusal.ts).
import { bodyFromSlices, type Allocate } from '../../deliver/batch-body.js';
import { BodyPool } from '../../deliver/body-pool.js';
import type { SinkOutcome, SinkRequest } from '../../deliver/sink.js';
import type { BodyShaper } from '../../body/shaper.js';
import { refusal, tooLargeShaped } from '../../body/refusal.js';
import type { Compressor } from './compress.js';
import { HeaderBuilder } from './headers.js';
import type { Signer } from './signing.js';

export interface BuiltRequest {
  body: Buffer;
  headers: Record<string, string>;
}

/** A request that is not sent: the outcome says why. */
export interface RefusedRequest {
  refused: SinkOutcome;
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
    /** body shaping; null: the records' raw bytes */
    private readonly shaper: BodyShaper | null = null,
    /** with a shaper: the most bytes of a shaped body of more than one record */
    private readonly maxBatchBytes = Infinity,
  ) {
    this.pool = typeof inFlight === 'number' ? new BodyPool(inFlight * 2) : inFlight;
    this.acquire = this.pool.acquire.bind(this.pool);
  }

  /** The request as sent at `now` (ms). Call `release` once it is over. */
  async build(req: SinkRequest, now: number): Promise<BuiltRequest | RefusedRequest> {
    const timestamp = String(Math.floor(now / 1000));
    let body: Buffer;
    if (this.shaper) {
      const shaped = this.shaper.build(req, this.acquire);
      if (!shaped.ok) return { refused: refusal(req.records, shaped.eventId, shaped.reason) };
      if (shaped.body.length > this.maxBatchBytes && req.records > 1) {
        this.pool.release(shaped.body);
        return { refused: tooLargeShaped(shaped.body.length, this.maxBatchBytes) };
      }
      body = shaped.body;
    } else body = bodyStep(req, this.acquire);
    const signature = signStep(this.signer, req.id, timestamp, body);
    if (this.compressor) {
      const plain = body;
      try {
        body = await compressStep(this.compressor, plain);
      } finally {
        this.pool.release(plain);
      }
    }
    const format = this.shaper ? (this.shaper.format === 'ndjson' ? 'ndjson' : 'array') : req.format;
    const headers = this.headers.build({ id: req.id, slices: req.slices, records: req.records, attempt: req.attempt, format, timestamp });
    if (signature !== null) headers[this.signer!.header] = signature;
    return { body, headers };
  }

  /** Gives a pooled body back (others are ignored). */
  release(built: BuiltRequest): void {
    this.pool.release(built.body);
  }
}
