// Access to test/fixtures from compiled tests. Paths resolve from this file's own location
// (dist/test/helpers → ../../../test/fixtures), so tests work from any working directory.
import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../test/fixtures');

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export interface FixtureSegment {
  name: string;
  /** the mode copyFixtureSegments set: 0o444 finished or crashed, 0o644 live */
  mode: number;
  /** 'finished' ends its frame; 'crashed' and 'live' end mid-line, the partial line excluded */
  state: 'finished' | 'crashed' | 'live';
  /** the whole lines a streaming decoder yields, as a file in segments-expected/ */
  expectedPath: string;
  expectedLines: number;
}

// The table of test/fixtures/README.md. Git keeps no file modes, so the mode lives here.
const SEGMENTS: ReadonlyArray<Omit<FixtureSegment, 'expectedPath'> & { expected: string }> = [
  { name: '20230809-153944', mode: 0o444, state: 'finished', expected: 'expected', expectedLines: 4 },
  { name: '20250912-110801.440526026', mode: 0o444, state: 'finished', expected: 'expected', expectedLines: 800 },
  { name: '20250912-110901.500', mode: 0o444, state: 'crashed', expected: 'complete-lines', expectedLines: 303 },
  { name: '20250912-111301.901234567', mode: 0o644, state: 'live', expected: 'complete-lines', expectedLines: 455 },
];

/** Copies the four fixture segments into destDir (which must exist) and sets their modes. */
export function copyFixtureSegments(destDir: string): FixtureSegment[] {
  return SEGMENTS.map(({ expected, ...s }) => {
    const dest = join(destDir, s.name);
    copyFileSync(fixturePath('segments', s.name), dest);
    chmodSync(dest, s.mode);
    return { ...s, expectedPath: fixturePath('segments-expected', `${s.name}.${expected}.jsonl`) };
  });
}

/** The expected whole lines of a fixture segment, each with its '\n'. */
export function readExpectedLines(segment: FixtureSegment): string[] {
  return readFileSync(segment.expectedPath, 'utf8').split(/(?<=\n)/);
}
