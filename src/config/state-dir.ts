// Where the queue and checkpoints live: --state-dir, else /var/lib/loghook when it is writable
// (a system service), else $XDG_STATE_HOME/loghook (~/.local/state/loghook). The state dir holds
// recipient addresses and the endpoint's name: it is made private (0700, files 0600).
import { accessSync, chmodSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LoghookError, errnoCode, errorMessage } from '../util/errors.js';

export const SYSTEM_STATE_DIR = '/var/lib/loghook';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (writable(SYSTEM_STATE_DIR)) return SYSTEM_STATE_DIR;
  const xdg = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(xdg, 'loghook');
}

/** The directory is writable, or does not exist and its parent is. */
function writable(dir: string): boolean {
  try {
    accessSync(existsSync(dir) ? dir : dirname(dir), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the state dir and its missing parents (0700), one mkdir each. Not Node's recursive
 * mkdir: on /proc (mkdir answers ENOENT under a directory that exists) it loops forever at 100%
 * CPU, deaf to SIGTERM. Any failure is LOGHOOK_STATE naming the dir.
 */
export function makeStateDir(stateDir: string): void {
  const missing: string[] = [];
  for (let p = resolve(stateDir); ; ) {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw cannotCreate(stateDir, p, err);
      missing.push(p);
      const up = dirname(p);
      if (up === p) break;
      p = up;
      continue;
    }
    if (!st.isDirectory()) throw cannotCreate(stateDir, p, new Error('not a directory'));
    break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p, { mode: 0o700 });
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw cannotCreate(stateDir, p, err);
    }
  }
}

function cannotCreate(stateDir: string, at: string, err: unknown): LoghookError {
  const where = at === resolve(stateDir) ? '' : ` (at ${at})`;
  return new LoghookError(
    'LOGHOOK_STATE',
    `cannot create the state dir ${stateDir}${where}: ${errorMessage(err)}: give --state-dir (or LOGHOOK_STATE_DIR) a directory on an ordinary file system that this user can write`,
    { cause: err },
  );
}

/**
 * Takes group and other bits off the state dir (an existing one may be 0755, systemd's
 * StateDirectory= default). Returns a warning when that is not possible (not its owner), else null.
 */
export function makePrivate(stateDir: string): string | null {
  let mode: number;
  try {
    mode = statSync(stateDir).mode & 0o777;
  } catch {
    return null; // opening the queue names that error
  }
  if ((mode & 0o077) === 0) return null;
  try {
    chmodSync(stateDir, mode & 0o700);
    return null;
  } catch (err) {
    return `state dir ${stateDir} is open to other users (mode ${mode.toString(8).padStart(4, '0')}) and cannot be made private (${errorMessage(err)}): its files are 0600, but its owner should run chmod 700 ${stateDir} (systemd: StateDirectoryMode=0700)`;
  }
}
