// Shared by the spool tests: temp state dirs, chunk builders and a manual clock.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Clock } from '../../src/util/clock.js';
import type { ChunkInput } from '../../src/spool/types.js';

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

export class ManualClock implements Clock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
}

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

export function startChild(mode: string, stateDir: string): Child {
  const proc = spawn(process.execPath, [childScript, mode, stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
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

/** The messages table as another connection sees it (what is durably committed), in id order. */
export function rawRows(stateDir: string): RawRow[] {
  const db = new Database(join(stateDir, 'queue.db'), { readonly: true });
  try {
    const rows = db
      .prepare('SELECT id, due_at, created_at, attempts, count, bytes, disposition, body FROM messages ORDER BY id')
      .all() as Array<RawRow & { body: Buffer }>;
    return rows.map((r) => ({ ...r, body: r.body.toString() }));
  } finally {
    db.close();
  }
}
