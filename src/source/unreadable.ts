// Segments and directories that cannot be read right now (EACCES: kumod's files owned by kumod,
// loghook run as another user; an I/O error). An unreadable segment is never checkpointed past:
// it stays open in its stream's checkpoint at the lines consumed so far and is tried again every
// few seconds, so it is read, from where it stopped, as soon as the mode is fixed. This file keeps
// the set (for status and the exit code of --once) and the pace of retries and warnings.
import type { Logger } from '../telemetry/logger.js';

export interface UnreadableInput {
  path: string;
  kind: 'segment' | 'directory';
  /** why, as the operating system said it (EACCES ...) */
  error: string;
  /** when it was first found unreadable (ms since the epoch) */
  since: number;
}

/** How often an unreadable segment is tried again: a failed open is cheap, but not every pass. */
export const UNREADABLE_RETRY_MS = 3000;
/** One warning per input at most this often while it stays unreadable (the first one at once). */
export const UNREADABLE_WARN_MS = 60_000;

interface Entry extends UnreadableInput {
  warnedAt: number;
  retryAt: number;
}

export class UnreadableInputs {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly retryMs = UNREADABLE_RETRY_MS,
  ) {}

  /**
   * Records a failed attempt; returns true the first time (a new episode, to be counted). The
   * error line goes out at once, then at most once a minute while the failures go on.
   */
  failed(path: string, kind: UnreadableInput['kind'], error: string, consequence: string): boolean {
    const t = this.now();
    const e = this.entries.get(path);
    if (e) {
      e.error = error;
      e.retryAt = t + this.retryMs;
      if (t - e.warnedAt < UNREADABLE_WARN_MS) return false;
      e.warnedAt = t;
      this.log.error(`${path}: still cannot be read: ${error}; ${consequence}`, { unreadableForS: Math.round((t - e.since) / 1000) });
      return false;
    }
    this.entries.set(path, { path, kind, error, since: t, warnedAt: t, retryAt: t + this.retryMs });
    this.log.error(`${path}: cannot be read: ${error}; ${consequence}`);
    return true;
  }

  /** Readable again (or gone): it leaves the set; the caller says which. */
  cleared(path: string): void {
    this.entries.delete(path);
  }

  has(path: string): boolean {
    return this.entries.has(path);
  }

  /** Whether an unreadable segment may be tried again now (true for one not in the set). */
  due(path: string): boolean {
    const e = this.entries.get(path);
    return !e || this.now() >= e.retryAt;
  }

  /** The paths in the set of one kind. */
  paths(kind: UnreadableInput['kind']): string[] {
    return [...this.entries.values()].filter((e) => e.kind === kind).map((e) => e.path);
  }

  list(): UnreadableInput[] {
    return [...this.entries.values()].map(({ path, kind, error, since }) => ({ path, kind, error, since }));
  }
}

/** One error line for the end of a run (`tail --once`, `cat`) that left input unread. */
export function unreadSummary(list: UnreadableInput[], rerun: string): string {
  const names = list.map((u) => `${u.path} (${u.error})`).join(', ');
  return `not read, because it cannot be read: ${names}; give loghook's user the right to read the segments and list their directory, then ${rerun}`;
}
