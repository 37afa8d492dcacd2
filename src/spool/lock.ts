// One writer per state dir. The lock is an exclusive SQLite transaction held open on lock.db: it
// rests on an fcntl lock, which the kernel drops when the process dies however it dies (SIGKILL
// included), so a crash never leaves a stale lock behind. SQLite also tracks its locks per file
// inside a process, so a second Spool in the same process is refused too. The `owner` file only
// tells the refused process whom it is waiting for.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateLockedError } from '../util/errors.js';
import { isSqliteError, openSqlite, stateError, type Db } from './sqlite.js';

const LOCK_FILE = 'lock.db';
const OWNER_FILE = 'owner';

export class StateLock {
  private constructor(
    private readonly db: Db,
    private readonly ownerFile: string,
  ) {}

  /** Takes the lock or throws StateLockedError at once (never waits). */
  static acquire(stateDir: string): StateLock {
    const file = join(stateDir, LOCK_FILE);
    const db = openSqlite(file, { busyTimeoutMs: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (err) {
      db.close();
      if (isSqliteError(err, 'SQLITE_BUSY')) {
        throw new StateLockedError(
          `state dir ${stateDir} is in use by another loghook process (pid ${readOwner(stateDir)}): ` +
            'stop it first, or give this one another --state-dir',
        );
      }
      throw stateError(file, err);
    }
    const ownerFile = join(stateDir, OWNER_FILE);
    try {
      // Written whole then renamed: a refused process never reads half a pid.
      const tmp = `${ownerFile}.${process.pid}.tmp`;
      writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
      renameSync(tmp, ownerFile);
    } catch (err) {
      db.close();
      throw stateError(ownerFile, err);
    }
    return new StateLock(db, ownerFile);
  }

  release(): void {
    if (!this.db.open) return;
    // Remove the owner note while still holding the lock, so it never names a process that lost it.
    rmSync(this.ownerFile, { force: true });
    this.db.close();
  }
}

function readOwner(stateDir: string): string {
  try {
    const pid = readFileSync(join(stateDir, OWNER_FILE), 'utf8').trim();
    return /^\d+$/.test(pid) ? pid : 'unknown';
  } catch {
    return 'unknown';
  }
}
