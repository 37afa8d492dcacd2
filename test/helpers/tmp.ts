// Temp directories for tests. Segments are made read-only (0444) and a test may also drop the write
// bits of a directory (to provoke EACCES), so cleanup restores them before removing.
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  cleanup(): void;
}

export function makeTempDir(prefix = 'loghook-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return {
    path,
    cleanup() {
      makeDirsWritable(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

// Read-only files can be unlinked; only a directory without write (or search) bits blocks rm.
function makeDirsWritable(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return; // already gone
  }
  if ((st.mode & 0o700) !== 0o700) chmodSync(dir, st.mode | 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) makeDirsWritable(join(dir, entry.name));
  }
}
