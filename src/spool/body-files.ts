// The body files on disk, `<stateDir>/bodies/<id>.dat`, and at most one `spare.dat` (an emptied
// file kept to be written over: see body-store.ts): create, append durably, read at an offset,
// retire, reuse, remove. This file knows paths, descriptors and fsync; which file is appended to
// and when one may go is body-store.ts's job.
import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readdirSync, readSync, renameSync, unlinkSync, writevSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoCode, LoghookError } from '../util/errors.js';
import { stateError } from './sqlite.js';
import { damagedState } from './damage.js';

export const BODIES_DIR = 'bodies';
const NAME = /^([1-9][0-9]{0,15})\.dat$/;
const SPARE = 'spare.dat';

export class BodyFiles {
  readonly dir: string;
  /** Open descriptors: the file being appended to (read-write) and files read from (read-only). */
  private readonly fds = new Map<number, number>();

  constructor(stateDir: string) {
    this.dir = join(stateDir, BODIES_DIR);
  }

  path(id: number): string {
    return join(this.dir, `${id}.dat`);
  }

  /** Ids of the body files present; other names are not ours and are left alone. */
  list(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw stateError(this.dir, err);
    }
    return names.flatMap((n) => {
      const m = NAME.exec(n);
      return m ? [Number(m[1])] : [];
    });
  }

  /** Creates an empty file whose directory entry is on disk before any row can name it. */
  create(id: number): void {
    const file = this.path(id);
    try {
      const made = mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.fds.set(id, openSync(file, 'wx+', 0o600));
      syncDir(this.dir);
      if (made !== undefined) syncDir(dirname(this.dir));
    } catch (err) {
      throw stateError(file, err);
    }
  }

  /**
   * Makes the spare file `id`, to be written over from offset 0: what it held beyond the bytes
   * appended from now on is never referenced. Durable before any row can name it, like create.
   * False if there is no spare after all.
   */
  reuseSpare(id: number): boolean {
    const file = this.path(id);
    try {
      renameSync(join(this.dir, SPARE), file);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return false;
      throw stateError(file, err);
    }
    try {
      this.fds.set(id, openSync(file, 'r+'));
      syncDir(this.dir);
    } catch (err) {
      throw stateError(file, err);
    }
    return true;
  }

  /**
   * Turns a file no row lives in any more into the spare. Not fsynced: after a crash either name
   * is a file no row references, removed at the next open.
   */
  retire(id: number): void {
    this.forget(id);
    try {
      renameSync(this.path(id), join(this.dir, SPARE));
    } catch (err) {
      throw stateError(this.path(id), err);
    }
  }

  removeSpare(): void {
    this.unlink(join(this.dir, SPARE));
  }

  /**
   * Writes `buffers` at `offset` with one writev (no copy into one buffer), then fdatasync: on
   * return the bytes survive a crash.
   */
  append(id: number, offset: number, buffers: Buffer[]): void {
    const fd = this.fds.get(id);
    if (fd === undefined) throw new LoghookError('LOGHOOK_INTERNAL', `${this.path(id)} is not open for appending`);
    try {
      let pending = buffers;
      let at = offset;
      while (pending.length > 0) {
        let n = writevSync(fd, pending, at);
        at += n;
        // Regular files take the whole write unless the disk fills; go on after a short one.
        let i = 0;
        while (i < pending.length && n >= pending[i]!.length) n -= pending[i++]!.length;
        pending = pending.slice(i);
        if (n > 0) pending[0] = pending[0]!.subarray(n);
        else if (i === 0 && pending.length > 0) throw new Error(`writev wrote nothing at ${at}`);
      }
      fdatasyncSync(fd);
    } catch (err) {
      throw stateError(this.path(id), err);
    }
  }

  /** The `length` bytes at `offset` of file `id`. */
  read(id: number, offset: number, length: number): Buffer {
    return this.readRuns(id, offset, [0, length]);
  }

  /**
   * The runs `[from, to)` (pairs, relative to `offset`) of file `id`, back to back in one buffer:
   * a row whose records are spread over a region other rows share reads only its own bytes.
   */
  readRuns(id: number, offset: number, runs: readonly number[]): Buffer {
    const file = this.path(id);
    let length = 0;
    for (let r = 0; r < runs.length; r += 2) length += runs[r + 1]! - runs[r]!;
    const out = Buffer.allocUnsafe(length);
    try {
      const fd = this.readFd(id);
      let at = 0;
      for (let r = 0; r < runs.length; r += 2) {
        const from = offset + runs[r]!;
        const len = runs[r + 1]! - runs[r]!;
        for (let done = 0; done < len; ) {
          const n = readSync(fd, out, at + done, len - done, from + done);
          if (n === 0) throw damaged(file, `it ends before byte ${from + len}`);
          done += n;
        }
        at += len;
      }
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw damaged(file, 'it is missing');
      throw stateError(file, err);
    }
    return out;
  }

  /** Closes and unlinks a file; one already gone is fine (a crash can leave either state). */
  remove(id: number): void {
    this.forget(id);
    this.unlink(this.path(id));
  }

  /** Closes the descriptor of a file that stays on disk. */
  forget(id: number): void {
    const fd = this.fds.get(id);
    if (fd === undefined) return;
    this.fds.delete(id);
    closeSync(fd);
  }

  close(): void {
    for (const id of [...this.fds.keys()]) this.forget(id);
  }

  private unlink(file: string): void {
    try {
      unlinkSync(file);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw stateError(file, err);
    }
  }

  private readFd(id: number): number {
    let fd = this.fds.get(id);
    if (fd === undefined) {
      fd = openSync(this.path(id), 'r');
      this.fds.set(id, fd);
    }
    return fd;
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function damaged(file: string, what: string): LoghookError {
  return damagedState(file, `${what}, but queued messages have their bytes there (it was changed outside loghook)`);
}
