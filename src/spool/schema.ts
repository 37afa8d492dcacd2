// queue.db: its tables, its format version and the settings every connection uses.
import { closeSync, fsyncSync, linkSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoCode, IncompatibleStateError, InputError } from '../util/errors.js';
import { damagedState } from './damage.js';
import { openSqlite, stateError, type Db } from './sqlite.js';
import { signsOfUse } from './used-dir.js';
import { processAlive } from '../util/process-alive.js';

/**
 * PRAGMA user_version of queue.db; bump it (and add a migration) whenever the tables change.
 * 1: bodies inline in `messages`. 2: fresh bodies in append-only body files (body-store.ts),
 * `messages.file_id`/`file_offset` and the `files` table. 3: many queues, one per hook and
 * endpoint (`queues`, `messages.queue_id`, `dead_letters.queue_id`); rows of several hooks share
 * one copy of the bytes in a body file, each row naming its records' spans (`messages.starts`).
 */
export const SPOOL_FORMAT = 3;

export const QUEUE_FILE = 'queue.db';

/** The tail process waits this long for a short-lived writer (dead requeue) before failing. */
const BUSY_TIMEOUT_MS = 30_000;

// One row per body file: how many message rows and bytes of them it still holds, moved by deltas
// in the transactions that move the rows. AUTOINCREMENT: a file name is never reused.
const FILES_TABLE = `
CREATE TABLE files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  live_rows INTEGER NOT NULL,
  bytes INTEGER NOT NULL
);
`;

// Format 1 -> 2 in place: ADD COLUMN only rewrites the schema, never the rows, so it costs the
// same for an empty queue and a full one; format-1 rows are inline rows (file_id NULL).
const MIGRATE_1_TO_2 = `
ALTER TABLE messages ADD COLUMN file_id INTEGER;
ALTER TABLE messages ADD COLUMN file_offset INTEGER;
${FILES_TABLE}
`;

// The queues: one per hook and endpoint ('' is the hook's own url), with exact counters moved by
// deltas in the transactions that move their rows. The `stats` row stays the state dir's total
// (max_queue bounds the whole state dir). Queue 1 is the `default` hook's, the only queue of
// formats 1 and 2.
const QUEUES_TABLE = `
CREATE TABLE queues (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hook TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  rows INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  dead INTEGER NOT NULL DEFAULT 0,
  UNIQUE (hook, endpoint)
);
`;

// Lifetime counters of each queue (stats.ts), added to a format-3 file in place by its lock holder
// without a new format number: a loghook of format 3 that does not know them names its columns,
// so it reads and writes the file as before (it just does not move them), and going back to it
// stays possible. A reader finds them missing in a file that no tail of this version opened yet.
export const LIFETIME_COLUMNS = ['queued_total', 'delivered_total', 'retried_total', 'dead_total', 'expired_total'] as const;

function addLifetimeColumns(db: Db): void {
  const have = new Set((db.pragma('table_info(queues)') as { name: string }[]).map((c) => c.name));
  const missing = LIFETIME_COLUMNS.filter((c) => !have.has(c));
  if (missing.length === 0) return;
  // ADD COLUMN with a constant default rewrites no row
  db.transaction(() => {
    for (const c of missing) db.exec(`ALTER TABLE queues ADD COLUMN ${c} INTEGER NOT NULL DEFAULT 0`);
  }).immediate();
}

// Where a body file's rows are, for compaction (compaction.ts): a partial index of the file-backed
// rows, with `attempts` so that "does this file still hold a record never tried" is one seek.
// Added to a format-3 file in place by its lock holder without a new format number, as the
// lifetime columns are: a loghook of format 3 that does not know it keeps it up to date (SQLite
// maintains every index), so going back stays possible.
const FILE_INDEX = 'CREATE INDEX IF NOT EXISTS messages_file ON messages (file_id, attempts) WHERE file_id IS NOT NULL';

function addFileIndex(db: Db): void {
  // a no-op once it exists; building it reads the table once (the first start of this version)
  db.exec(FILE_INDEX);
}

// Format 2 -> 3 in place: the rows become queue 1's (hook `default`), with its counters copied
// from `stats`; the hand-out index gains the queue. ADD COLUMN with a constant default rewrites
// no row.
const MIGRATE_2_TO_3 = `
ALTER TABLE messages ADD COLUMN queue_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE messages ADD COLUMN starts BLOB;
ALTER TABLE dead_letters ADD COLUMN queue_id INTEGER NOT NULL DEFAULT 1;
DROP INDEX messages_due;
CREATE INDEX messages_due ON messages (queue_id, due_at, id, count);
DROP INDEX messages_created;
CREATE INDEX messages_created ON messages (queue_id, created_at);
CREATE INDEX dead_letters_queue ON dead_letters (queue_id, id);
${QUEUES_TABLE}
INSERT INTO queues (id, hook, endpoint, rows, records, bytes, dead)
  SELECT 1, 'default', '', rows, records, bytes, dead FROM stats;
`;

// Small columns come first so that reading them never touches a row's overflow pages; then the
// body (large only for inline rows, see below). `messages_due` is the hand-out order (due_at, id), with `count` so that walking it and
// summing due records for status never reads the table. `messages_created` answers "oldest queued
// record" with one seek (it costs 3-6% of commit CPU). Counters live in `stats`: counts() never
// scans. AUTOINCREMENT: ids are never reused, so rows added by another process are the ids above
// the highest one this process knows.
// A row's bytes are either inline (`body`, file_id NULL) or in a body file (`file_id`,
// `file_offset`, `bytes` long; `body` empty). `body` stays NOT NULL and the file columns come
// last because that is what format 1 plus ALTER TABLE gives (SQLite cannot drop a NOT NULL in
// place): one schema, fresh or migrated.
const SCHEMA = `
CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  due_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  count INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  stream TEXT NOT NULL,
  segment TEXT NOT NULL,
  segment_key TEXT NOT NULL,
  disposition TEXT,
  lines BLOB NOT NULL,
  ends BLOB NOT NULL,
  body BLOB NOT NULL,
  file_id INTEGER,
  file_offset INTEGER,
  queue_id INTEGER NOT NULL DEFAULT 1,
  starts BLOB
);
CREATE INDEX messages_due ON messages (queue_id, due_at, id, count);
CREATE INDEX messages_created ON messages (queue_id, created_at);
${FILE_INDEX};
CREATE TABLE checkpoints (
  stream TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  segment_key TEXT NOT NULL,
  stream TEXT NOT NULL,
  segment TEXT NOT NULL,
  line INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  died_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  disposition TEXT,
  reason TEXT NOT NULL CHECK (reason IN ('final', 'expired')),
  record BLOB NOT NULL,
  queue_id INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX dead_letters_died ON dead_letters (died_at);
CREATE INDEX dead_letters_queue ON dead_letters (queue_id, id);
CREATE TABLE endpoints (
  url TEXT PRIMARY KEY,
  last_error TEXT,
  last_error_at INTEGER,
  last_success_at INTEGER
);
CREATE TABLE stats (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  rows INTEGER NOT NULL,
  records INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  dead INTEGER NOT NULL
);
INSERT INTO stats (id, rows, records, bytes, dead) VALUES (1, 0, 0, 0, 0);
${FILES_TABLE}
${QUEUES_TABLE}
INSERT INTO queues (id, hook, endpoint) VALUES (1, 'default', '');
`;

export interface OpenQueueOptions {
  readOnly: boolean;
  /**
   * true for the state dir's lock holder only: it may create queue.db and migrate an older format.
   * Others (readers, the dead-letter tools) use an older file as it is.
   */
  create: boolean;
  /** signs that the dir was in use, read before this process took the lock (used-dir.ts) */
  usedBefore?: string[];
}

export interface QueueDb {
  db: Db;
}

/** Opens (and if allowed creates or migrates) queue.db, refusing a file written by a newer loghook. */
export function openQueueDb(stateDir: string, opts: OpenQueueOptions): QueueDb {
  const file = join(stateDir, QUEUE_FILE);
  const size = sizeOf(file);
  if (size === null || size === 0) {
    // Gone or emptied with its checkpoints: a fresh queue would send every segment again.
    const signs = opts.usedBefore ?? signsOfUse(stateDir);
    if (signs.length > 0) throw missingQueue(file, size === null ? 'it is missing' : 'it is empty (0 bytes)', signs);
    if (!opts.create) throw noQueue(stateDir);
    createWhole(file);
  }
  const db = openSqlite(file, { readOnly: opts.readOnly, mustExist: true, busyTimeoutMs: BUSY_TIMEOUT_MS });
  try {
    // Read the version before touching anything: a newer file must not be modified at all.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SPOOL_FORMAT) {
      throw new IncompatibleStateError(
        `${file} was written by a newer loghook (format ${version}, this one reads up to ${SPOOL_FORMAT}): ` +
          'upgrade loghook or use another --state-dir',
      );
    }
    if (version === 0) {
      // No loghook tables yet: an older loghook killed while making the file, or a file made
      // outside loghook. Fine in a new dir; in a used one the queue and checkpoints are gone.
      const signs = opts.usedBefore ?? signsOfUse(stateDir);
      if (signs.length > 0) throw missingQueue(file, "it holds none of loghook's tables", signs);
      if (!opts.create) throw noQueue(stateDir);
      create(db);
    } else if (version < SPOOL_FORMAT) {
      // Only the lock holder migrates; the others cannot read the old tables.
      if (!opts.create || opts.readOnly) {
        throw new IncompatibleStateError(
          `${file} is in format ${version}, from an older loghook: start \`loghook tail\` with this version once (it migrates the state dir in place), then run this again`,
        );
      }
      if (version === 1) migrate(db, MIGRATE_1_TO_2, 2);
      migrate(db, MIGRATE_2_TO_3, 3);
    }
    if (opts.create && !opts.readOnly) {
      addLifetimeColumns(db);
      addFileIndex(db);
    }
    if (!opts.readOnly) {
      // A commit is durable when it returns: WAL fsynced on every commit.
      db.pragma('synchronous = FULL');
      // After a large transaction (a big requeue) give the disk space back instead of keeping the WAL at its peak.
      db.pragma('journal_size_limit = 67108864');
    }
    // 8 MiB of page cache keeps the upper index levels hot, within the RSS budget.
    db.pragma('cache_size = -8192');
    return { db };
  } catch (err) {
    db.close();
    throw stateError(file, err);
  }
}

/**
 * A new state dir's queue.db, made before the writer takes the lock: lock.db (a sign that the dir
 * was used) then never exists without a queue.db having existed, so a writer killed during its
 * very first start leaves a dir the next start opens (it left lock.db and no queue.db, which read
 * as a lost queue). Made whole under a name of this process's and linked into place: of two new
 * writers racing, one link wins and the other finds the file there. Does nothing when queue.db
 * exists or the dir shows signs of use (openQueueDb then says what is wrong, under the lock).
 */
export function createQueueIfNew(stateDir: string, usedBefore: string[]): void {
  const file = join(stateDir, QUEUE_FILE);
  if (usedBefore.length > 0 || sizeOf(file) !== null) return;
  const tmp = `${file}.new.${process.pid}`;
  try {
    buildQueueFile(tmp);
    try {
      linkSync(tmp, file);
      syncFile(dirname(file));
    } catch {
      // EEXIST: another new writer made it first, and theirs is as good. A filesystem without
      // hard links (EPERM, ENOTSUP...): no rename here, which could replace a queue.db another
      // writer already holds; the lock holder makes it (openQueueDb), as before.
    }
    rmSync(tmp, { force: true });
  } catch (err) {
    rmSync(tmp, { force: true });
    throw stateError(file, err);
  }
}

const TEMP_QUEUE = /^queue\.db\.new\.(\d+)(-wal|-shm)?$/;

/**
 * Removes what createQueueIfNew left of writers killed while making it (queue.db.new.<pid>).
 * For the lock holder; a temporary file of a process still alive is its own.
 */
export function sweepTempQueues(stateDir: string): void {
  let names: string[];
  try {
    names = readdirSync(stateDir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TEMP_QUEUE.exec(n);
    if (m && Number(m[1]) !== process.pid && !processAlive(Number(m[1]))) rmSync(join(stateDir, n), { force: true });
  }
}

/** queue.db's tables, built in `tmp` (any leftover of that name first removed), closed and synced. */
function buildQueueFile(tmp: string): void {
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  const db = openSqlite(tmp, { busyTimeoutMs: BUSY_TIMEOUT_MS });
  try {
    create(db);
  } finally {
    db.close(); // the last connection's close moves the WAL into the file and removes it
  }
  syncFile(tmp);
}

/**
 * Makes queue.db whole or not at all: built as queue.db.new, synced, then renamed in place, so
 * an empty or half-made queue.db is never loghook's own doing (a crash mid-way leaves only the
 * .new file, made again next time).
 */
function createWhole(file: string): void {
  const tmp = `${file}.new`;
  try {
    buildQueueFile(tmp);
    renameSync(tmp, file);
    syncFile(dirname(file));
  } catch (err) {
    throw stateError(file, err);
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function sizeOf(file: string): number | null {
  try {
    return statSync(file).size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return null;
    throw stateError(file, err);
  }
}

function missingQueue(file: string, what: string, signs: string[]) {
  return damagedState(
    file,
    `${what}, but the state dir was in use (it holds ${signs.join(', ')}): its checkpoints and queued records went with it, ` +
      'and a fresh queue would send every segment again',
  );
}

function create(db: Db): void {
  // page_size only takes effect before the first table exists, and a WAL database cannot change it.
  // 64 KiB suited format 1's inline 100 KB bodies; with bodies in files a row is ~1 KB, and every
  // page a commit touches is written whole to the WAL: 16 KiB pages cut the spool's CPU by ~15%
  // (bench/spool.ts) and still hold a chunk of ~1,800 records' lines and ends without overflow.
  // A migrated format-1 file keeps its 64 KiB.
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SPOOL_FORMAT}`);
  }).immediate();
}

function migrate(db: Db, sql: string, to: number): void {
  // Only the lock holder migrates, so no other process can be doing it at the same time.
  db.transaction(() => {
    db.exec(sql);
    db.pragma(`user_version = ${to}`);
  }).immediate();
}

function noQueue(stateDir: string): InputError {
  return new InputError(
    `state dir ${stateDir} holds no ${QUEUE_FILE}: no loghook has queued anything with this --state-dir yet (give the --state-dir of the tail)`,
  );
}
