// `loghook state check`: is this state dir whole? SQLite's own integrity_check of queue.db, then
// what only loghook knows: every queued row's body file is there and long enough, the files
// table agrees with the rows, and the counters agree with the rows. Read-only and lock-free, so
// it runs beside a tail: a body file the tail removes between our snapshot and our look is
// looked at again in a fresh snapshot before it counts as a problem.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoCode, errorMessage } from '../util/errors.js';
import { BodyFiles } from './body-files.js';
import { damageOf } from './damage.js';
import { openQueueDb, QUEUE_FILE } from './schema.js';
import { stateError, type Db } from './sqlite.js';

export interface StateCheck {
  stateDir: string;
  ok: boolean;
  /** what is wrong, each naming its file; empty when ok */
  problems: string[];
  /** what was looked at (when the file could be read at all) */
  queued: { rows: number; records: number; bodyFiles: number; deadLetters: number } | null;
}

/** The first this many problems of integrity_check are reported: a badly damaged file has thousands. */
const MAX_SQLITE_PROBLEMS = 10;

export function checkState(stateDir: string): StateCheck {
  const file = join(stateDir, QUEUE_FILE);
  let db: Db;
  try {
    ({ db } = openQueueDb(stateDir, { readOnly: true, create: false }));
  } catch (err) {
    // Missing in a used dir, not a database, unreadable header: the open already says which.
    const d = damageOf(stateError(file, err));
    if (d) return { stateDir, ok: false, problems: [d.detail], queued: null };
    throw err;
  }
  try {
    const problems: string[] = [];
    const sqlite = integrity(db);
    problems.push(...sqlite.slice(0, MAX_SQLITE_PROBLEMS).map((p) => `${file}: SQLite integrity_check: ${p}`));
    if (sqlite.length > MAX_SQLITE_PROBLEMS) problems.push(`${file}: ... and ${sqlite.length - MAX_SQLITE_PROBLEMS} more SQLite problems`);
    // Counting rows through a damaged b-tree can fail or miscount: trust those figures only on a whole file.
    if (sqlite.length > 0) return { stateDir, ok: false, problems, queued: null };
    const bodies = new BodyFiles(stateDir);
    let found = bodyProblems(db, file, bodies);
    if (found.size > 0) found = bodyProblems(db, file, bodies, found); // a tail may have moved on meanwhile
    problems.push(...found.values());
    const counted = counters(db, file);
    problems.push(...counted.problems);
    return { stateDir, ok: problems.length === 0, problems, queued: counted.queued };
  } catch (err) {
    const d = damageOf(stateError(file, err));
    if (d) return { stateDir, ok: false, problems: [d.detail], queued: null };
    throw err;
  } finally {
    db.close();
  }
}

function integrity(db: Db): string[] {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).filter((s) => s !== 'ok');
}

/**
 * Per body file the rows point into: it exists, is as long as the furthest row needs, and the
 * files table counts as many rows. With `only`, just those files again (in a new snapshot).
 */
function bodyProblems(db: Db, file: string, bodies: BodyFiles, only?: Map<number, string>): Map<number, string> {
  const out = new Map<number, string>();
  const refs = db
    .prepare(
      `SELECT m.file_id AS id, count(*) AS rows, max(m.file_offset + m.bytes) AS needs, f.live_rows AS ledger
       FROM messages m LEFT JOIN files f ON f.id = m.file_id
       WHERE m.file_id IS NOT NULL GROUP BY m.file_id`,
    )
    .all() as { id: number; rows: number; needs: number; ledger: number | null }[];
  for (const r of refs) {
    if (only && !only.has(r.id)) continue;
    const path = bodies.path(r.id);
    const rows = `${r.rows} queued row${r.rows === 1 ? '' : 's'}`;
    let size: number;
    try {
      size = statSync(path).size;
    } catch (err) {
      out.set(r.id, `${path}: ${errnoCode(err) === 'ENOENT' ? 'missing' : `unreadable (${errorMessage(err)})`}, but ${rows} have their bytes there`);
      continue;
    }
    if (size < r.needs) out.set(r.id, `${path}: ${size} bytes, but ${rows} need ${r.needs} (it was cut short)`);
    else if (r.ledger !== r.rows) out.set(r.id, `${file}: the files table counts ${r.ledger ?? 'no'} rows in ${path}, the queue ${r.rows}`);
  }
  return out;
}

function counters(db: Db, file: string): { problems: string[]; queued: StateCheck['queued'] } {
  const actual = db.prepare('SELECT count(*) AS rows, coalesce(sum(count), 0) AS records FROM messages').get() as { rows: number; records: number };
  const stored = db.prepare('SELECT rows, records, dead FROM stats WHERE id = 1').get() as { rows: number; records: number; dead: number } | undefined;
  const dead = db.prepare('SELECT count(*) FROM dead_letters').pluck().get() as number;
  const files = db.prepare('SELECT count(*) FROM files WHERE live_rows > 0').pluck().get() as number;
  const problems: string[] = [];
  if (stored === undefined) problems.push(`${file}: the stats row is missing`);
  else if (stored.rows !== actual.rows || stored.records !== actual.records || stored.dead !== dead) {
    problems.push(
      `${file}: the counters say ${stored.records} records in ${stored.rows} rows and ${stored.dead} dead letters, ` +
        `the tables hold ${actual.records} records in ${actual.rows} rows and ${dead} dead letters`,
    );
  }
  return { problems, queued: { rows: actual.rows, records: actual.records, bodyFiles: files, deadLetters: dead } };
}
