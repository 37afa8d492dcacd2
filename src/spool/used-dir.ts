// Whether a state dir was in use before: only a new, empty state dir may get a fresh queue.db
// silently. A queue.db that is missing or empty in a dir that shows signs of use is damaged state
// (issue 10 §3: a truncated queue.db made a fresh queue and every segment was sent again), since
// with it went the checkpoints and the queue.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The files that say a loghook used this dir: lock.db (made by every writer before queue.db),
 * owner (left by a writer that was killed), runtime.json (written by every tail) and body files.
 * Read before the writer takes the lock, which makes lock.db.
 */
export function signsOfUse(stateDir: string): string[] {
  const signs: string[] = [];
  let names: string[];
  try {
    names = readdirSync(stateDir);
  } catch {
    return signs; // not there yet: new
  }
  // lock.ts LOCK_FILE and OWNER_FILE, pipeline/runtime-file.ts RUNTIME_FILE
  for (const n of ['lock.db', 'owner', 'runtime.json']) if (names.includes(n)) signs.push(n);
  if (names.includes('bodies')) {
    try {
      const dat = readdirSync(join(stateDir, 'bodies')).filter((n) => n.endsWith('.dat'));
      if (dat.length > 0) signs.push(`${dat.length} body file${dat.length === 1 ? '' : 's'} in bodies/`);
    } catch {
      // unreadable: SQLite or the body store will say so
    }
  }
  return signs;
}
