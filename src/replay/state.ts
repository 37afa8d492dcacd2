// A replay's own state dir: its queue and checkpoints, never the live ones, so it may run while
// `tail` runs and is resumed after a crash by running it again. By default it is
// `<state_dir>/replay/<id>`, where the id is a hash of what the replay is (its log dirs, its
// --since/--until as given, its hook or URL): the same command run again resumes it, and a
// default state dir is removed once its replay completed (exit 0), so the next one starts afresh.
// The window is fixed by the first run (replay.json): `--since 2h` resumed tomorrow still means
// the two hours before the first run.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeStateDir } from '../config/state-dir.js';
import { UsageError } from '../util/errors.js';
import type { Window } from './window.js';

const FILE = 'replay.json';
const FORMAT = 1;

interface Stored {
  v: number;
  /** hash of the replay's identity (the URL may hold a secret: never stored in clear) */
  id: string;
  /** what it replays, for people (no secrets) */
  describe: string;
  sinceS?: number;
  untilS?: number;
}

/** The hash naming a replay: the same inputs make the same id. */
export function replayId(identity: unknown): string {
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}

export function defaultReplayDir(liveStateDir: string, id: string): string {
  return join(liveStateDir, 'replay', id);
}

/**
 * Opens (creates) the replay state dir and returns the window to use: the stored one when
 * resuming, else `window`, stored now. A state dir of another replay is refused.
 */
export function openReplayState(dir: string, liveStateDir: string, id: string, describe: string, window: Window): { window: Window; resumed: boolean } {
  if (resolve(dir) === resolve(liveStateDir)) {
    throw new UsageError(`--state-dir ${dir} is the state dir of tail: a replay keeps its own queue and checkpoints; give it a directory of its own (or leave --state-dir out)`);
  }
  makeStateDir(dir);
  const file = join(dir, FILE);
  if (existsSync(file)) {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Stored;
    if (s.v !== FORMAT || s.id !== id) {
      throw new UsageError(`${dir} holds another replay (${s.describe}): give the same DIR, --since, --until and --hook/--url to resume it, or another --state-dir`);
    }
    return { window: { ...(s.sinceS !== undefined ? { sinceS: s.sinceS } : {}), ...(s.untilS !== undefined ? { untilS: s.untilS } : {}) }, resumed: true };
  }
  const stored: Stored = { v: FORMAT, id, describe, ...window };
  // temp file, fsync, rename: a crash leaves the old state or the new, never half a file
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(stored) + '\n', { mode: 0o600 });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return { window, resumed: false };
}
