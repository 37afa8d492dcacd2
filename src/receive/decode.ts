// Undoes a request's Content-Encoding. gzip, deflate and br come from node:zlib; zstd goes through
// loghook's own decoder (source/zstd.ts), the same one that reads kumod's segments.
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { createDecoder } from '../source/zstd.js';
import { errorMessage } from '../util/errors.js';

export class EncodingError extends Error {
  constructor(
    message: string,
    /** the HTTP status to answer: 415 for an encoding we do not know, 400 for bytes that do not decode */
    readonly status: 400 | 415,
  ) {
    super(message);
    this.name = 'EncodingError';
  }
}

export const ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'br', 'zstd', 'identity'] as const;

/**
 * Decodes `body` by its Content-Encoding header (absent or `identity`: unchanged). Several codings
 * (`gzip, br`) are undone last first, as RFC 9110 lists them in the order they were applied.
 */
export function decodeBody(body: Buffer, contentEncoding: string | undefined): Buffer {
  if (!contentEncoding) return body;
  const codings = contentEncoding.split(',').map((c) => c.trim().toLowerCase()).filter(Boolean);
  let out = body;
  for (const coding of codings.reverse()) out = decodeOne(out, coding);
  return out;
}

function decodeOne(body: Buffer, coding: string): Buffer {
  try {
    switch (coding) {
      case 'identity':
        return body;
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(body);
      case 'deflate':
        return inflateSync(body);
      case 'br':
        return brotliDecompressSync(body);
      case 'zstd':
        return zstdDecompress(body);
    }
  } catch (err) {
    throw new EncodingError(`Content-Encoding ${coding}: the body does not decode: ${errorMessage(err)}`, 400);
  }
  throw new EncodingError(`Content-Encoding ${coding} is not supported (known: ${ENCODINGS.join(', ')})`, 415);
}

const CHUNK = 1024 * 1024;

/** A whole zstd body (one or more frames) at once; a frame cut short is an error. */
function zstdDecompress(src: Buffer): Buffer {
  const decoder = createDecoder();
  try {
    const out: Buffer[] = [];
    let rest = src;
    for (;;) {
      const dst = Buffer.allocUnsafe(CHUNK);
      const { consumed, produced } = decoder.decode(rest, dst, 0);
      rest = rest.subarray(consumed);
      if (produced > 0) out.push(dst.subarray(0, produced));
      // The decoder fills dst while it has output; a short chunk with the input used up is the end.
      if (rest.length === 0 && produced < dst.length) break;
      if (consumed === 0 && produced === 0) break;
    }
    if (rest.length > 0 || !decoder.finish()) throw new Error('the zstd frame is cut short');
    return Buffer.concat(out);
  } finally {
    decoder.release();
  }
}
