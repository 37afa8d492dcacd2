// Opening a state dir: a writer creates it (0700) if missing or makes it private, takes its lock,
// then opens or creates queue.db; a reader (status, `dead list`) opens an existing queue.db
// without a lock.
import { makePrivate, makeStateDir } from '../config/state-dir.js';
import { StateLock } from './lock.js';
import { createQueueIfNew, openQueueDb, sweepTempQueues, type QueueDb } from './schema.js';
import { signsOfUse } from './used-dir.js';

export interface OpenState extends QueueDb {
  /** null for a reader */
  lock: StateLock | null;
}

/** For the crash tests: run once the lock is held, before queue.db is opened. */
export interface OpenStateHooks {
  afterLock?: () => void;
}

export function openState(stateDir: string, readOnly: boolean, hooks?: OpenStateHooks): OpenState {
  if (readOnly) return { ...openQueueDb(stateDir, { readOnly: true, create: false }), lock: null };
  makeStateDir(stateDir);
  makePrivate(stateDir); // the caller may ask makePrivate again to warn when this failed
  // Before the lock, which makes lock.db: was this dir in use before this process came?
  const usedBefore = signsOfUse(stateDir);
  // A new dir gets its queue.db before lock.db exists (schema.ts createQueueIfNew); otherwise the
  // lock first: only its holder may migrate queue.db (or touch the body files).
  createQueueIfNew(stateDir, usedBefore);
  const lock = StateLock.acquire(stateDir);
  hooks?.afterLock?.();
  try {
    sweepTempQueues(stateDir);
    return { ...openQueueDb(stateDir, { readOnly: false, create: true, usedBefore }), lock };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Closes the file and releases the lock (in that order: the lock guards the file). */
export function closeState({ db, lock }: OpenState): void {
  if (db.open) db.close();
  lock?.release();
}
