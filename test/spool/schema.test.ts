import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SPOOL_FORMAT } from '../../src/spool/schema.js';
import { stateError } from '../../src/spool/sqlite.js';
import { Spool } from '../../src/spool/spool.js';
import { IncompatibleStateError, InputError, LoghookError } from '../../src/util/errors.js';
import { tempStateDir } from './support.js';

test('open creates the state dir 0700 and a WAL queue.db with 16 KiB pages at format 3', () => {
  const stateDir = tempStateDir();
  Spool.open({ stateDir }).close();
  assert.equal(statSync(stateDir).mode & 0o777, 0o700);
  const db = new Database(join(stateDir, 'queue.db'), { readonly: true });
  assert.equal(db.pragma('page_size', { simple: true }), 16384);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SPOOL_FORMAT);
  assert.equal(SPOOL_FORMAT, 3);
  db.close();
});

test('a queue.db written by a newer format is refused with IncompatibleStateError and left untouched', () => {
  const stateDir = tempStateDir();
  mkdirSync(stateDir);
  const file = join(stateDir, 'queue.db');
  const newer = new Database(file);
  newer.exec('CREATE TABLE future (x)');
  newer.pragma('user_version = 4');
  newer.close();
  const before = readFileSync(file);
  for (const readOnly of [false, true]) {
    assert.throws(
      () => Spool.open({ stateDir, readOnly }),
      (err: unknown) => {
        assert.ok(err instanceof IncompatibleStateError);
        assert.equal(err.code, 'LOGHOOK_STATE_INCOMPATIBLE');
        assert.equal(
          err.message,
          `${file} was written by a newer loghook (format 4, this one reads up to 3): upgrade loghook or use another --state-dir`,
        );
        return true;
      },
    );
  }
  assert.deepEqual(readFileSync(file), before);
  // The lock was released on the way out: a compatible open can try again at once.
  assert.throws(() => Spool.open({ stateDir }), IncompatibleStateError);
});

test('a queue.db that is not a SQLite file is damaged state naming the file and what to do', () => {
  const stateDir = tempStateDir();
  mkdirSync(stateDir);
  const file = join(stateDir, 'queue.db');
  writeFileSync(file, 'this is not a database, just some text long enough to have a header'.repeat(20));
  assert.throws(
    () => Spool.open({ stateDir }),
    (err: unknown) => {
      assert.ok(err instanceof LoghookError);
      assert.equal(err.code, 'LOGHOOK_STATE_DAMAGED');
      assert.equal(err.exitCode, 6);
      assert.match(err.message, new RegExp(`^${file}: SQLite says the file is damaged or is not a loghook queue .*loghook state check --state-dir ${stateDir}.*--start-at TIME`));
      return true;
    },
  );
});

test('a read-only open of a state dir without a queue gives InputError', () => {
  const stateDir = tempStateDir();
  assert.throws(
    () => Spool.open({ stateDir, readOnly: true }),
    (err: unknown) => err instanceof InputError && err.message.includes(`state dir ${stateDir} holds no queue.db`),
  );
});

test('SQLITE_FULL from a real full database maps to LOGHOOK_STATE saying the disk is full', () => {
  const stateDir = tempStateDir();
  mkdirSync(stateDir);
  const db = new Database(join(stateDir, 'tiny.db'));
  db.exec('CREATE TABLE t (x BLOB)');
  db.pragma('max_page_count = 3');
  let full: unknown;
  try {
    db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(64 * 1024));
  } catch (err) {
    full = err;
  }
  db.close();
  assert.equal((full as { code?: string }).code, 'SQLITE_FULL');
  const mapped = stateError('/state/queue.db', full);
  assert.ok(mapped instanceof LoghookError);
  assert.equal(mapped.code, 'LOGHOOK_STATE');
  assert.match(mapped.message, /^\/state\/queue\.db: the disk is full \(.*\): free space on that file system/);
});

test('an error that is not from SQLite passes through unchanged', () => {
  const bug = new TypeError('x is undefined');
  assert.equal(stateError('/state/queue.db', bug), bug);
});
