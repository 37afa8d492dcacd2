// Shared by the spool tests: temp state dirs, chunk builders, and the clock they set (test/helpers).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { ChunkInput, RecordResult } from '../../src/spool/types.js';

const roots: string[] = [];
process.on('exit', () => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A fresh state dir path (not created) under a temp dir removed when the process exits. */
export function tempStateDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'loghook-spool-'));
  roots.push(root);
  return join(root, 'state');
}

export { SettableClock } from '../helpers/manual-clock.js';

/** A chunk of `records` lines of one segment; record i's text is `${tag}:${firstLine + i}` padded to `size` bytes. */
export function chunk(records: number, opts: { tag?: string; firstLine?: number; size?: number; stream?: string } = {}): ChunkInput {
  const { tag = 'r', firstLine = 0, size = 0, stream = 's1' } = opts;
  const parts: Buffer[] = [];
  const ends: number[] = [];
  const lines: number[] = [];
  let end = 0;
  for (let i = 0; i < records; i++) {
    const text = `${tag}:${firstLine + i}`;
    const rec = Buffer.from(`${text.padEnd(Math.max(size - 1, text.length), '.')}\n`);
    parts.push(rec);
    end += rec.length;
    ends.push(end);
    lines.push(firstLine + i);
  }
  return { stream, segment: 'seg-1', segmentKey: '0123456789abcdef', lines, ends, body: Buffer.concat(parts) };
}

/** Records `tag:i` for i in 0..n-1, back to back in one buffer. */
export function region(tag: string, n: number): { body: Buffer; starts: number[]; ends: number[] } {
  const parts = Array.from({ length: n }, (_, i) => Buffer.from(`{"r":"${tag}:${i}"}\n`));
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    ends.push((at += p.length));
  }
  return { body: Buffer.concat(parts), starts, ends };
}

/** A chunk of `queueId` holding records `pick` of the region (line = index), a view of its buffer. */
export function pickChunk(queueId: number, r: ReturnType<typeof region>, pick: number[]): ChunkInput {
  const base = r.starts[pick[0]!]!;
  const last = pick[pick.length - 1]!;
  const contiguous = pick.every((p, i) => i === 0 || p === pick[i - 1]! + 1);
  return {
    queueId,
    stream: 's1',
    segment: 'seg-1',
    segmentKey: '0123456789abcdef',
    lines: pick,
    body: r.body.subarray(base, r.ends[last]!),
    ends: pick.map((p) => r.ends[p]! - base),
    ...(contiguous ? {} : { starts: pick.map((p) => r.starts[p]! - base) }),
  };
}

/** The texts of a message's records, without their padding and newlines. */
export function recordTexts(m: { body: Buffer; ends: ArrayLike<number> }): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < m.ends.length; i++) {
    out.push(m.body.subarray(start, m.ends[i]).toString().replace(/\.*\n$/, ''));
    start = m.ends[i]!;
  }
  return out;
}

/** A running spool-child.js: its JSON lines in order, and a way to wait for its exit. */
export interface Child {
  proc: ChildProcess;
  /** the next JSON line it writes (rejects if it exits first) */
  next(): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const childScript = fileURLToPath(new URL('./children/spool-child.js', import.meta.url));

export function startChild(mode: string, stateDir: string, env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, [childScript, mode, stateDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: Array<(line: Record<string, unknown> | null) => void> = [];
  let stderr = '';
  let closed = false;
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const parsed = JSON.parse(l) as Record<string, unknown>;
    const w = waiters.shift();
    if (w) w(parsed);
    else lines.push(parsed);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('close', (code, signal) => {
      closed = true;
      for (const w of waiters.splice(0)) w(null);
      resolve({ code, signal });
    }),
  );
  return {
    proc,
    exited,
    next: () =>
      new Promise((resolve, reject) => {
        const l = lines.shift();
        if (l) return resolve(l);
        if (closed) return reject(new Error(`child ${mode} exited: ${stderr}`));
        waiters.push((line) => (line ? resolve(line) : reject(new Error(`child ${mode} exited: ${stderr}`))));
      }),
  };
}

export interface RawRow {
  id: number;
  due_at: number;
  created_at: number;
  attempts: number;
  count: number;
  bytes: number;
  disposition: string | null;
  body: string;
}

/**
 * The messages table as another connection sees it (what is durably committed), in id order; the
 * body of a file-backed row is read from its body file.
 */
export function rawRows(stateDir: string): RawRow[] {
  return rawLocatedRows(stateDir).map(({ file_id, file_offset, inline, ...r }) => r);
}

export interface LocatedRow extends RawRow {
  file_id: number | null;
  file_offset: number | null;
  /** the inline body column as stored (empty for a file-backed row) */
  inline: string;
}

export function rawLocatedRows(stateDir: string): LocatedRow[] {
  const db = new Database(join(stateDir, 'queue.db'), { readonly: true });
  try {
    const rows = db
      .prepare('SELECT id, due_at, created_at, attempts, count, bytes, disposition, body, file_id, file_offset FROM messages ORDER BY id')
      .all() as Array<Omit<LocatedRow, 'body' | 'inline'> & { body: Buffer }>;
    return rows.map((r) => ({
      ...r,
      inline: r.body.toString(),
      body: (r.file_id === null ? r.body : readBodyFile(stateDir, r.file_id, r.file_offset!, r.bytes)).toString(),
    }));
  } finally {
    db.close();
  }
}

export function bodyFilePath(stateDir: string, fileId: number): string {
  return join(stateDir, 'bodies', `${fileId}.dat`);
}

function readBodyFile(stateDir: string, fileId: number, offset: number, length: number): Buffer {
  const fd = openSync(bodyFilePath(stateDir, fileId), 'r');
  try {
    const out = Buffer.alloc(length);
    assert.equal(readSync(fd, out, 0, length, offset), length, `file ${fileId} is short at ${offset}+${length}`);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** The `files` table as another connection sees it. */
export function rawFiles(stateDir: string): Array<{ id: number; live_rows: number; bytes: number }> {
  const db = new Database(join(stateDir, 'queue.db'), { readonly: true });
  try {
    return db.prepare('SELECT id, live_rows, bytes FROM files ORDER BY id').all() as Array<{ id: number; live_rows: number; bytes: number }>;
  } finally {
    db.close();
  }
}

/** The `files` table says exactly what the message rows say: per file, its rows and their bytes; no empty file is kept. */
export function assertLedgerMatchesRows(stateDir: string, appendingTo: number | null = null): void {
  const fromRows = new Map<number, { live_rows: number; bytes: number }>();
  for (const r of rawLocatedRows(stateDir)) {
    if (r.file_id === null) continue;
    const f = fromRows.get(r.file_id) ?? { live_rows: 0, bytes: 0 };
    f.live_rows += 1;
    f.bytes += r.bytes;
    fromRows.set(r.file_id, f);
  }
  const ledger = rawFiles(stateDir).filter((f) => f.live_rows > 0 || f.id !== appendingTo);
  assert.deepEqual(ledger, [...fromRows].sort(([a], [b]) => a - b).map(([id, f]) => ({ id, ...f })));
}

/** settle() results for a row whose every record is retried, record i due at dueAts[i]. */
export function allRetried(dueAts: number[], disposition: string): RecordResult[] {
  return dueAts.map((dueAt) => ({ kind: 'retry', dueAt, disposition }));
}

/** settle() results for a row whose every record is dead. */
export function allDead(msg: { lines: ArrayLike<number> }, disposition: string, reason: 'final' | 'expired' = 'final'): RecordResult[] {
  return Array.from({ length: msg.lines.length }, () => ({ kind: 'dead', reason, disposition }));
}
