// Where the queue and checkpoints live: --state-dir, else /var/lib/loghook when it is writable
// (a system service), else $XDG_STATE_HOME/loghook (~/.local/state/loghook). The state dir holds
// recipient addresses and the endpoint's name: it is made private (0700, files 0600).
import { accessSync, chmodSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { errorMessage } from '../util/errors.js';

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
