// What a running tail is doing right now, for `loghook status` in another process: written to
// <state dir>/runtime.json every few seconds (temp file + rename; informational, so no fsync).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UnreadableInput } from '../source/unreadable.js';

export const RUNTIME_FILE = 'runtime.json';

export interface RuntimeInfo {
  pid: number;
  version: string;
  url: string;
  startedAt: number;
  updatedAt: number;
  once: boolean;
  records: { read: number; queued: number; delivered: number; retried: number; dead: number; expired: number; invalid: number; filtered: number };
  inFlight: { requests: number; records: number };
  endpoint: string;
  lastError: string | null;
  paused: string | null;
  /** segments and directories that cannot be read right now (absent in files of older versions) */
  unreadable?: UnreadableInput[];
  /** set by the last write of a tail that stopped normally */
  stoppedAt?: number;
}

export function writeRuntime(stateDir: string, info: RuntimeInfo): void {
  const path = join(stateDir, RUNTIME_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

export function readRuntime(stateDir: string): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(join(stateDir, RUNTIME_FILE), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
}
