// The only file that imports better-sqlite3: opening a connection and turning SQLite's errors
// into LoghookErrors that name the file and say what the user can do.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync, statSync } from 'node:fs';
import { errnoCode, errorMessage, LoghookError } from '../util/errors.js';
import { damagedState, isDamagedCode, sqliteDamage } from './damage.js';

export type Db = Database.Database;
export type Statement = Database.Statement;

export interface OpenSqliteOptions {
  readOnly?: boolean;
  /** fail instead of creating the file */
  mustExist?: boolean;
  /** how long to wait for another connection's write lock (SQLite busy_timeout) */
  busyTimeoutMs: number;
}

export function openSqlite(file: string, opts: OpenSqliteOptions): Db {
  try {
    if (!opts.readOnly) privateFiles(file, !opts.mustExist);
    return new Database(file, {
      readonly: opts.readOnly ?? false,
      fileMustExist: opts.mustExist ?? false,
      timeout: opts.busyTimeoutMs,
    });
  } catch (err) {
    throw stateError(file, err);
  }
}

/**
 * A writer's file and its WAL and SHM are 0600: they hold recipient addresses. SQLite gives the
 * WAL and SHM the mode of the database file when it creates them, so the file is made 0600 (and
 * created so, if missing) before SQLite opens it; files of older versions are tightened too.
 */
function privateFiles(file: string, create: boolean): void {
  if (create) {
    try {
      closeSync(openSync(file, 'wx', 0o600));
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      const mode = statSync(f).mode & 0o777;
      if (mode & 0o077) chmodSync(f, mode & 0o600);
    } catch {
      // not there (yet), or not ours to change: SQLite says whether it can be used
    }
  }
}

export function isSqliteError(err: unknown, codePrefix?: string): err is Error & { code: string } {
  return err instanceof Database.SqliteError && (codePrefix === undefined || err.code.startsWith(codePrefix));
}

/** The error (or one of its causes) says the file system is full. */
export function isDiskFull(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = isSqliteError(e) ? e.code : errnoCode(e);
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}

/**
 * An error from SQLite or from the file system under it becomes LOGHOOK_STATE naming the file and
 * what to do (DamagedStateError when SQLite finds the file damaged); anything else (a typed
 * error, a bug) is returned unchanged, stack and all.
 */
export function stateError(file: string, err: unknown): unknown {
  const code = isSqliteError(err) ? err.code : errnoCode(err);
  if (code === undefined || err instanceof LoghookError) return err;
  if (isDamagedCode(code)) return damagedState(file, sqliteDamage(err), err);
  return new LoghookError('LOGHOOK_STATE', `${file}: ${advice(code, errorMessage(err))}`, { cause: err });
}

function advice(code: string, detail: string): string {
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return `the disk is full (${detail}): free space on that file system; the last batch was not queued and will be read again`;
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return `another process kept the queue locked too long (${detail}), e.g. a large "loghook dead requeue": try again`;
  }
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'EACCES') {
    return `cannot open or write the file (${detail}): check that the state dir and its files are writable by this user`;
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return `an I/O error occurred (${detail}): check the disk and the kernel log`;
  }
  return detail;
}
