// Request body compression (config `compression`): `none`, `gzip` (node:zlib, run on libuv's
// thread pool so the event loop keeps sending), or `zstd` (the project's zstd adapter, native
// only: the pure JavaScript fallback decodes but cannot compress, so zstd is refused at start
// when the native addon did not load). The request carries `Content-Encoding: gzip|zstd`.
//
// `max_batch_bytes` is checked before compression: the body on the wire is never larger than
// the limit, only smaller.
import { gzip, constants } from 'node:zlib';
import { promisify } from 'node:util';
import { createCompressor } from '../../source/zstd.js';
import { UsageError } from '../../util/errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

export interface Compressor {
  /** the Content-Encoding value */
  readonly encoding: 'gzip' | 'zstd';
  compress(body: Buffer): Promise<Buffer>;
}

const gzipAsync = promisify(gzip);

/** Level 3: 90% of level 6's saving on KumoMTA records (6.4x against 7.1x in a batch of 100)
 * at half its CPU; gzip is the sender's largest cost per record (bench/requests.ts). */
const GZIP_OPTIONS = { level: 3, strategy: constants.Z_DEFAULT_STRATEGY };
/** zstd's default level: 6.7x, at a third of gzip's CPU */
const ZSTD_LEVEL = 3;

/** The compressor for the option, or null for `none`. Throws UsageError when zstd cannot load. */
export function createBodyCompressor(compression: Compression = 'none'): Compressor | null {
  switch (compression) {
    case 'none':
      return null;
    case 'gzip':
      return { encoding: 'gzip', compress: (body) => gzipAsync(body, GZIP_OPTIONS) };
    case 'zstd': {
      const z = createCompressor(ZSTD_LEVEL);
      if (!z) {
        throw new UsageError('compression = "zstd" needs the native zstd-napi addon, which did not load here (or LOGHOOK_ZSTD=fzstd is set): use compression = "gzip", or reinstall loghook with its optional dependencies');
      }
      return { encoding: 'zstd', compress: async (body) => z(body) };
    }
    default:
      throw new UsageError(`compression "${String(compression)}" is not one of none, gzip, zstd`);
  }
}
