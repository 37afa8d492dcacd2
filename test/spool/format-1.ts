// Writes a queue.db exactly as format 1 (loghook before body files) left it: its schema verbatim,
// bodies inline, counters in `stats`, so the migration tests start from a real old file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { ChunkInput } from '../../src/spool/types.js';

// A frozen copy on purpose, not an import: src/spool/schema.ts moves on, a format 1 file does not.
const FORMAT_1_SCHEMA = `
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
  body BLOB NOT NULL
);
CREATE INDEX messages_due ON messages (due_at, id, count);
CREATE INDEX messages_created ON messages (created_at);
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
  record BLOB NOT NULL
);
CREATE INDEX dead_letters_died ON dead_letters (died_at);
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
`;

const u32 = (values: ArrayLike<number>) => Buffer.from(Uint32Array.from(values).buffer);

/** A format-1 queue with `chunks` as rows due at `dueAt`, one checkpoint and one dead letter ("dead:0"). */
export function writeFormat1(stateDir: string, chunks: ChunkInput[], dueAt: number): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(stateDir, 'queue.db'));
  db.pragma('page_size = 65536');
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    db.exec(FORMAT_1_SCHEMA);
    db.pragma('user_version = 1');
    const insert = db.prepare(
      `INSERT INTO messages (due_at, created_at, attempts, count, bytes, stream, segment, segment_key, disposition, lines, ends, body)
       VALUES (?, ?, 0, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
    );
    let records = 0;
    let bytes = 0;
    for (const c of chunks) {
      insert.run(dueAt, dueAt, c.lines.length, c.body.length, c.stream, c.segment, c.segmentKey, u32(c.lines), u32(c.ends), c.body);
      records += c.lines.length;
      bytes += c.body.length;
    }
    db.prepare(`INSERT INTO checkpoints VALUES ('s1', 'old', ?)`).run(dueAt);
    db.prepare(
      `INSERT INTO dead_letters (event_id, segment_key, stream, segment, line, created_at, died_at, attempts, disposition, reason, record)
       VALUES ('0123456789abcdef-0', '0123456789abcdef', 's1', 'seg-1', 0, ?, ?, 1, 'HTTP 400', 'final', ?)`,
    ).run(dueAt, dueAt, Buffer.from('dead:0\n'));
    db.prepare('UPDATE stats SET rows = ?, records = ?, bytes = ?, dead = 1').run(chunks.length, records, bytes);
  })();
  db.close();
}
