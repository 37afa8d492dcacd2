// A wrong url or a revoked credential answers every request with the same final status (404,
// 401, ...). Taken at its word, that would move the whole stream into the dead letters at full
// speed. So an answer that speaks of the endpoint rather than the records (SinkOutcome
// .endpointLevel) is held, records retried with backoff, from the first one, unless the endpoint
// shows it works: a record already tried before that gets such an answer while a success came
// within the last `threshold` answers is refused for itself, and goes to the dead letters.
// A streak of three identical held answers with no success in between is announced once (the
// operator must act; three, because the breaker backs off to probes after five transient ones);
// the first success resets it. An explicit final_on never reaches here.

export type GuardVerdict = 'final' | 'retry' | 'engaged';

export class MisconfigGuard {
  private streak = 0;
  private status: number | null = null;
  private announced = false;
  /** answers since the last success (none yet: the endpoint has shown nothing) */
  private sinceSuccess = Infinity;

  private readonly announceAfter: number;

  constructor(private readonly threshold = 10) {
    this.announceAfter = Math.min(3, threshold);
  }

  /**
   * A final answer; `status` is its endpoint-level code (null for an answer about the records,
   * which stays final), `retried` says the records were tried before. 'retry' holds them;
   * 'engaged' holds them too and is the moment to say the endpoint looks misconfigured.
   */
  finalAnswer(status: number | null, retried: boolean): GuardVerdict {
    this.sinceSuccess++;
    if (status === null) {
      this.streak = 0;
      return 'final';
    }
    this.streak = status === this.status ? this.streak + 1 : 1;
    this.status = status;
    if (retried && this.sinceSuccess <= this.threshold) return 'final';
    if (!this.announced && this.streak >= this.announceAfter) {
      this.announced = true;
      return 'engaged';
    }
    return 'retry';
  }

  /** Any other failure (transient, unreachable): it is not a success either. */
  failure(): void {
    this.sinceSuccess++;
  }

  /** A delivery: the receiver takes records. */
  success(): void {
    this.streak = 0;
    this.announced = false;
    this.sinceSuccess = 0;
  }
}
