// The one place test helpers load zstd-napi, through its low-level binding: the streaming
// compressor with explicit flush/end is what lets SegmentWriter place blocks exactly as kumod does.
import { createRequire } from 'node:module';
import type * as Zstd from 'zstd-napi/binding.js';

export type { EndDirective } from 'zstd-napi/binding.js';
export const zstd = createRequire(import.meta.url)('zstd-napi/binding') as typeof Zstd;
