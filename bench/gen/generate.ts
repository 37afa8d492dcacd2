// Benchmark input: finished kumod segments of realistic records, written in-process (no `zstd`
// command). Deterministic for a seed, so runs compare like with like.
//
//   node dist/bench/gen/generate.js --dir DIR [--records 1000000] [--segment-records 200000] [--seed 1]
//
// Prints one JSON line: { files, records, uncompressedBytes, compressedBytes, seconds }.
import { mkdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRecordGenerator, segmentName } from '../../test/helpers/records.js';
import { SegmentWriter } from '../../test/helpers/segment-writer.js';

export interface GenerateOptions {
  dir: string;
  records?: number;
  segmentRecords?: number;
  seed?: number;
}

export interface GenerateResult {
  /** full paths, in name (= open time) order */
  files: string[];
  records: number;
  uncompressedBytes: number;
  compressedBytes: number;
  seconds: number;
}

// Lines are joined into ~1 MiB strings: one write() per chunk instead of per line.
const CHUNK_CHARS = 1 << 20;

export function generateSegments({ dir, records = 1_000_000, segmentRecords = 200_000, seed = 1 }: GenerateOptions): GenerateResult {
  const started = process.hrtime.bigint();
  mkdirSync(dir, { recursive: true });
  const gen = createRecordGenerator({ seed });
  const result: GenerateResult = { files: [], records: 0, uncompressedBytes: 0, compressedBytes: 0, seconds: 0 };
  while (result.records < records) {
    const w = SegmentWriter.create(dir, segmentName(gen.now() + result.files.length));
    const n = Math.min(segmentRecords, records - result.records);
    let chunk = '';
    for (let i = 0; i < n; i++) {
      chunk += gen.nextLine();
      if (chunk.length >= CHUNK_CHARS || i === n - 1) {
        w.write(chunk);
        chunk = '';
      }
    }
    w.finish();
    result.files.push(w.path);
    result.records += n;
    result.uncompressedBytes += w.bytesIn;
    result.compressedBytes += w.bytesWritten;
  }
  result.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return result;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: v } = parseArgs({
    options: {
      dir: { type: 'string' },
      records: { type: 'string', default: '1000000' },
      'segment-records': { type: 'string', default: '200000' },
      seed: { type: 'string', default: '1' },
    },
  });
  if (!v.dir) {
    process.stderr.write('generate: --dir is required\n');
    process.exit(2);
  }
  const r = generateSegments({ dir: v.dir, records: Number(v.records), segmentRecords: Number(v['segment-records']), seed: Number(v.seed) });
  process.stdout.write(JSON.stringify({ ...r, files: r.files.length }) + '\n');
}
