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
    const ac = new AbortController();
    this.wakeUp = () => ac.abort();
    await this.clock.sleep(ms, ac.signal).catch(() => undefined);
    // A wake() between the end of the sleep and here is lost, harmlessly: the caller is about to
    // look at everything again anyway.
    this.wakeUp = null;
  }
}
