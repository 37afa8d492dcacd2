// Damaged state: what it is (a classifier like sqlite.ts isDiskFull) and the one message every
// code path gives for it, naming the file and the way out. A damaged state dir is never retried
// or repaired in place: the run ends (exit 6) and the operator decides what may be sent again.
import { basename, dirname } from 'node:path';
import { DamagedStateError, errorMessage } from '../util/errors.js';

/** SQLite's own words for a file that is not (or no longer) a database it can trust. */
export function isDamagedCode(code: string): boolean {
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

/** The damaged-state error in `err` (itself or a cause), or null. */
export function damageOf(err: unknown): DamagedStateError | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DamagedStateError) return e;
  }
  return null;
}

/** The error (or one of its causes) says the state dir is damaged. */
export function isDamaged(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DamagedStateError) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && isDamagedCode(code)) return true;
  }
  return false;
}

/** The state dir a state file lives in (queue.db, lock.db, or bodies/N.dat). */
export function stateDirOf(file: string): string {
  const dir = dirname(file);
  return basename(dir) === 'bodies' /* body-files.ts BODIES_DIR */ ? dirname(dir) : dir;
}

/**
 * `file` is damaged in the way `what` says. The advice is the README's "Damaged state" salvage in
 * short: look with `state check`, move queue.db aside, start again from a time.
 */
export function damagedState(file: string, what: string, cause?: unknown): DamagedStateError {
  const dir = stateDirOf(file);
  return new DamagedStateError(
    `${file}: ${what}. The state dir ${dir} is damaged; loghook stopped rather than guess what to send. ` +
      `See what is wrong: loghook state check --state-dir ${dir}. To start over, move the state dir aside ` +
      `(mv ${dir} ${dir}.damaged) and run tail with --start-at TIME, a time before the damage: records logged from TIME on ` +
      'are sent again, records queued before TIME and not yet delivered are lost (README: "Damaged state")',
    { cause, detail: `${file}: ${what}` },
  );
}

/** SQLite's message for a damaged file, as `what` for damagedState. */
export function sqliteDamage(err: unknown): string {
  return `SQLite says the file is damaged or is not a loghook queue (${errorMessage(err)})`;
}
