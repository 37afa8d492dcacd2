// The whole-request deadline of an HTTP client's requests, one timer for all of them. An
// `AbortSignal.timeout()` per request cost a quarter of loghook's CPU at one record per request
// (creating the signal, its weakly held timer, event-target listeners, and the garbage they
// leave). Every request of a client has the same timeout, so deadlines expire in the order the
// requests started: a linked list in start order, and one timer armed for its head.
//
// Each deadline is the request's `signal`: undici takes an EventEmitter there (documented for
// request(): "signal: AbortSignal | EventEmitter") and listens for 'abort'.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

export class Deadline extends EventEmitter {
  aborted = false;
  /** performance.now() when it expires */
  at = 0;
  prev: Deadline | null = null;
  next: Deadline | null = null;
  /** still in its list */
  linked = false;
}

export class Deadlines {
  private head: Deadline | null = null;
  private tail: Deadline | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ms: number) {}

  /** A deadline `ms` from now; pass it to finish() once the request has its answer. */
  start(): Deadline {
    const d = new Deadline();
    d.at = performance.now() + this.ms;
    d.linked = true;
    d.prev = this.tail;
    if (this.tail) this.tail.next = d;
    else this.head = d;
    this.tail = d;
    if (this.timer === null) this.arm(d.at);
    return d;
  }

  finish(d: Deadline): void {
    if (!d.linked) return;
    d.linked = false;
    if (d.prev) d.prev.next = d.next;
    else this.head = d.next;
    if (d.next) d.next.prev = d.prev;
    else this.tail = d.prev;
    d.prev = d.next = null;
    // the timer stays: firing early only re-arms it for the new head (or stops when none)
  }

  /** requests with a deadline running */
  get size(): number {
    let n = 0;
    for (let d = this.head; d; d = d.next) n++;
    return n;
  }

  private arm(at: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - performance.now())));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = null;
    const now = performance.now();
    while (this.head && this.head.at <= now) {
      const d = this.head;
      this.finish(d);
      d.aborted = true;
      d.emit('abort');
    }
    if (this.head) this.arm(this.head.at);
  };
}
