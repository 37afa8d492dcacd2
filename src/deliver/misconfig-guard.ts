// A wrong --url or a revoked credential answers every request with the same final status (404,
// 401, ...). Taken at its word, that would move the whole stream into the dead letters at full
// speed. After a streak of identical final answers of that kind with no success in between, the
// guard calls them what they are, a receiver that cannot take anything now: transient. Records
// are then retried with backoff and the endpoint breaker throttles to one probe per interval,
// until the first success resets the guard.

export class MisconfigGuard {
  private streak = 0;
  private status = 0;
  private engaged = false;

  constructor(private readonly threshold = 10) {}

  /**
   * A final answer, `status` being its endpoint-level code (SinkOutcome.endpointLevel, null for
   * an answer about the records): 'final' as it says, or 'retry' while the guard is engaged;
   * 'engaged' for the answer that engages it (a retry too, and the moment to say so).
   */
  finalAnswer(status: number | null): 'final' | 'retry' | 'engaged' {
    if (status === null) {
      this.streak = 0;
      return 'final';
    }
    this.streak = status === this.status ? this.streak + 1 : 1;
    this.status = status;
    if (this.engaged) return 'retry';
    if (this.streak < this.threshold) return 'final';
    this.engaged = true;
    return 'engaged';
  }

  /** A delivery: the receiver takes records; final answers are final again. */
  success(): void {
    this.streak = 0;
    this.engaged = false;
  }
}
