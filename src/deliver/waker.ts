// The dispatcher loop's sleep: wait for a time on the injected clock, or until something happens
// (a request ended, new rows were committed, stop), whichever comes first.
import type { Clock } from '../util/clock.js';

export class Waker {
  private wakeUp: (() => void) | null = null;
  private pending = false;

  constructor(private readonly clock: Clock) {}

  /** Ends the current pause, or makes the next one return at once. */
  wake(): void {
    const w = this.wakeUp;
    if (w) {
      this.wakeUp = null;
      w();
    } else {
      this.pending = true;
    }
  }

  /** Sleeps `ms` of the clock, or (null) until woken. */
  async pause(ms: number | null): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    if (ms === null) {
      // No timer: whoever the caller waits for calls wake().
      await new Promise<void>((resolve) => (this.wakeUp = resolve));
      return;
    }
    // A timer and a resolver rather than sleep(ms, signal): with a thousand endpoints, aborting
    // signals (each abort builds a DOMException) was a fifth of the CPU.
    await new Promise<void>((resolve) => {
      const cancel = this.clock.timer(ms, () => {
        this.wakeUp = null;
        resolve();
      });
      this.wakeUp = () => {
        cancel();
        resolve();
      };
    });
  }
}
