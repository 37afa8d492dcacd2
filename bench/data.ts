// The benchmark's input: ~1 M realistic records (~1 KB each) in finished segments, generated once
// into bench-data/ (git-ignored) and reused while the generator's parameters stay the same.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSegments } from './gen/generate.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const BIN = join(ROOT, 'bin', 'loghook.js');

export interface BenchData {
  dir: string;
  records: number;
  uncompressedBytes: number;
  compressedBytes: number;
  files: number;
}

export function benchData(records = 1_000_000, segmentRecords = 200_000): BenchData {
  const base = join(ROOT, 'bench-data', `records-${records}`);
  const dir = join(base, 'segments');
  const meta = join(base, 'meta.json');
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8')) as BenchData;
  rmSync(base, { recursive: true, force: true });
  process.stderr.write(`bench: generating ${records} records into ${dir} ...\n`);
  const g = generateSegments({ dir, records, segmentRecords });
  const data: BenchData = { dir, records: g.records, uncompressedBytes: g.uncompressedBytes, compressedBytes: g.compressedBytes, files: g.files.length };
  writeFileSync(meta, JSON.stringify(data));
  return data;
}
