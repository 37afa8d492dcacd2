// Running loghook as an ordinary user, for what root never sees (EACCES): the test runs as root
// (CI does) and starts the CLI as `nobody`; the child drops root (setgroups, setgid, setuid)
// before it runs node. Elsewhere such tests are skipped with this reason.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync } from 'node:fs';
import type { RunAs } from './cli.js';

export type Nobody = RunAs & { skip: false };

/** The uid and gid of `nobody`, or why a test cannot run as that user here. */
export function nobody(): Nobody | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'not root: cannot start a child as nobody (setuid is not permitted)' };
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g'), skip: false };
  } catch {
    return { skip: 'no user named nobody on this system' };
  }
}

/** A directory nobody can list and enter (temp dirs are made 0700). */
export function openTo(dir: string): void {
  chmodSync(dir, 0o755);
}

/** A directory nobody owns: a state dir it can write. */
export function giveTo(dir: string, as: RunAs): void {
  chownSync(dir, as.uid, as.gid);
}
