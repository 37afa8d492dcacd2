// Wakes the tailer when something may have changed. fs.watch on each directory (one inotify watch,
// every event, sub-millisecond) is only a hint; a timer rescans anyway, because events can be
// missed and network filesystems send none (--poll MS: timer only).
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../telemetry/logger.js';

export class DirWatch {
  private readonly watchers: FSWatcher[] = [];
  private pending = false;
  private wakeNow: (() => void) | null = null;

  constructor(
    dirs: string[],
    private readonly intervalMs: number,
    useEvents: boolean,
    log: Logger,
  ) {
    if (!useEvents) return;
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.wake());
        w.on('error', (err) => log.warn(`watching ${dir} failed; rescanning every ${intervalMs} ms`, { error: err.message }));
        this.watchers.push(w);
      } catch (err) {
        log.warn(`cannot watch ${dir}; rescanning every ${intervalMs} ms`, { error: (err as Error).message });
      }
    }
  }

  wake(): void {
    this.pending = true;
    this.wakeNow?.();
  }

  /** Whether an event came since the last wait or take; it counts as seen afterwards. */
  takeEvent(): boolean {
    const seen = this.pending;
    this.pending = false;
    return seen;
  }

  /** Resolves on the next event, the timer, or at once when an event came since the last wait. */
  wait(): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakeNow = null;
        this.pending = false;
        resolve();
      };
      const t = setTimeout(done, this.intervalMs);
      this.wakeNow = done;
    });
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.wakeNow?.();
  }
}
