// What a running tail is doing right now, for `loghook status` in another process: written to
// <state dir>/runtime.json every few seconds (informational, so no fsync). The file is padded to
// whole 4 KiB blocks and written over in place while it is large enough, so that status can say
// "state disk full" from a full disk (a new file, or a rename, needs free blocks); a reader that
// meets a half-written file just sees no runtime (null).
import { closeSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { UnreadableInput } from '../source/unreadable.js';

export const RUNTIME_FILE = 'runtime.json';

/** One hook of a running tail. */
export interface HookRuntimeInfo {
  name: string;
  describe: string;
  records: { queued: number; delivered: number; retried: number; dead: number; expired: number; invalid: number; filtered: number; unrouted: number };
  inFlight: { requests: number; records: number };
  lastError: string | null;
  endpoints: {
    count: number;
    down: number;
    /** the states its endpoints are in (endpoint-words.ts), each once */
    states: string[];
    /** the ten with the largest backlog */
    listed: { name: string; state: string; backlog: number; inFlight: number; lastError: string | null }[];
    /** endpoints not listed */
    more: number;
  };
}

export interface RuntimeInfo {
  pid: number;
  version: string;
  /** where the hooks deliver, secrets masked */
  url: string;
  startedAt: number;
  updatedAt: number;
  once: boolean;
  records: { read: number; queued: number; delivered: number; retried: number; dead: number; expired: number; invalid: number; filtered: number; unrouted: number };
  inFlight: { requests: number; records: number };
  /** healthy, probing or down (endpoint-words.ts): the worst over every endpoint */
  endpoint: string;
  lastError: string | null;
  /** why reading waits (queue full, state disk full), null when it does not */
  paused: string | null;
  /** whole segments waiting after the one being read, over all streams (0: caught up) */
  behind?: number;
  /** log directories with no segment in them at start */
  emptyDirs?: string[];
  hooks: HookRuntimeInfo[];
  /** segments and directories that cannot be read right now (absent in files of older versions) */
  unreadable?: UnreadableInput[];
  /** set by the last write of a tail that stopped normally */
  stoppedAt?: number;
}

const BLOCK = 4096;

export function writeRuntime(stateDir: string, info: RuntimeInfo): void {
  const path = join(stateDir, RUNTIME_FILE);
  const text = JSON.stringify(info) + '\n';
  const size = statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  if (size >= Buffer.byteLength(text) && size % BLOCK === 0) {
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, text.padEnd(size, ' '), 0);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text.padEnd(Math.ceil((Buffer.byteLength(text) + BLOCK) / BLOCK) * BLOCK, ' '), { mode: 0o600 });
  renameSync(tmp, path);
}

export function readRuntime(stateDir: string): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(join(stateDir, RUNTIME_FILE), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
}

/**
 * Whether the running tail, or with none the last one, had hook `hook` in its configuration; null
 * when no run recorded its hooks (a runtime file of an older version, or none). `status` calls a
 * hook it did not have removed, and `dead purge --hook NAME --all` drops only such a hook's queue.
 */
export function lastRunHad(rt: RuntimeInfo | null, hook: string): boolean | null {
  return rt === null || !Array.isArray(rt.hooks) ? null : rt.hooks.some((h) => h.name === hook);
}
