// Where the queue and checkpoints live: --state-dir, else /var/lib/loghook when it is writable
// (a system service), else $XDG_STATE_HOME/loghook (~/.local/state/loghook).
import { accessSync, constants, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

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
