// What the dispatcher tells people about one endpoint's outcomes, without flooding (a receiver
// failing 30% of requests once wrote 11,921 lines for 20 k records):
// - the first failure of a kind (its failure key, e.g. `status:503`) is logged at once, with its
//   disposition; a kind is new again once the endpoint went a whole interval without failures;
// - the rest are counted, and one summary line per interval (30 s) gives the counts by kind,
//   the records retried, dead and delivered, and how often the endpoint backed off;
// - the breaker backing off is logged once per interval, and its recovery in one line (only when
//   its backing off was told: a flapping receiver is told by the summary).
// The endpoint health the `status` command shows is written on changes and at most once a second.
import type { Logger } from '../telemetry/logger.js';
import { redactUrl } from '../telemetry/logger.js';
import type { QueuePort } from './queue-port.js';

/** Summary lines come at most this often per endpoint. */
export const FAILURE_SUMMARY_MS = 30_000;
const NOTE_MS = 1000;

type What = 'retry' | 'final' | 'expired';

const FIRST_LINE: Record<What, string> = {
  retry: 'delivery failed, will retry',
  final: 'receiver refused records for good, moved to dead letters',
  expired: 'records expired (older than --max-age), moved to dead letters',
};

export class OutcomeLog {
  private readonly url: string;
  /** kinds (`what` and failure key) logged since the endpoint was last a whole interval without failures */
  private readonly known = new Set<string>();
  private lastFailureAt = -Infinity;
  /** the interval being counted: null while nothing is counted */
  private since: number | null = null;
  /** requests per failure kind not logged on their own, and records per fate, in this interval */
  private failures = new Map<string, number>();
  private records = { retried: 0, dead: 0, expired: 0, delivered: 0 };
  private backoffs = 0;
  private backoffLogged = false;
  /** the breaker is open */
  private down = false;
  /** people were told the endpoint is down: its recovery gets a line */
  private toldDown = false;
  private notedOk: boolean | null = null;
  private notedError: string | null = null;
  private notedAt = 0;
  private readonly warnedOnce = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly queue: QueuePort,
    url: string,
    private readonly summaryMs = FAILURE_SUMMARY_MS,
  ) {
    // Redacted for the queue too: the state dir should not keep a password either.
    this.url = redactUrl(url);
  }

  failure(now: number, key: string, what: What, disposition: string, records: number): void {
    this.noteEndpoint(now, { error: disposition });
    this.roll(now);
    if (now - this.lastFailureAt >= this.summaryMs) this.known.clear();
    this.lastFailureAt = now;
    this.records[what === 'retry' ? 'retried' : what === 'final' ? 'dead' : 'expired'] += records;
    this.since ??= now;
    const kind = `${what} ${key}`;
    if (!this.known.has(kind)) {
      this.known.add(kind);
      this.logger.warn(FIRST_LINE[what], { url: this.url, disposition, records });
      return;
    }
    this.failures.set(kind, (this.failures.get(kind) ?? 0) + 1);
  }

  success(now: number, records = 0): void {
    this.noteEndpoint(now, { ok: true });
    this.roll(now);
    if (this.since !== null) this.records.delivered += records;
  }

  breakerOpened(now: number, intervalMs: number): void {
    this.roll(now);
    this.down = true;
    this.since ??= now;
    if (this.backoffLogged) {
      this.backoffs++;
      return;
    }
    this.backoffLogged = this.toldDown = true;
    this.logger.warn('receiver unavailable, backing off: one request at a time until it answers', {
      url: this.url,
      firstProbeInMs: intervalMs,
    });
  }

  breakerClosed(now: number): void {
    this.roll(now);
    this.down = false;
    if (!this.toldDown) return;
    this.toldDown = false;
    this.logger.info('receiver is back, full concurrency restored', { url: this.url });
  }

  /** The guard took a streak of identical endpoint-level final answers for a misconfiguration. */
  misconfigured(answer: string): void {
    this.logger.error(`every request is answered ${answer}: is the url (or the credentials) right? Records are kept and retried, not dead-lettered, until the receiver accepts one`, { url: this.url });
  }

  /** A warning logged once per process for `key`. */
  once(key: string, msg: string, fields: Record<string, unknown> = {}): void {
    if (this.warnedOnce.has(key)) return;
    this.warnedOnce.add(key);
    this.logger.warn(msg, { url: this.url, ...fields });
  }

  /** The summary of what was counted and not logged yet (at stop). */
  flush(now: number): void {
    if (this.since !== null) this.summarize(now);
  }

  /** Ends the interval when it is over. */
  private roll(now: number): void {
    if (this.since !== null && now - this.since >= this.summaryMs) this.summarize(now);
  }

  private summarize(now: number): void {
    const since = this.since!;
    const unlogged = this.failures.size > 0 || this.backoffs > 0;
    if (unlogged) {
      const failures: Record<string, number> = {};
      for (const [kind, n] of this.failures) failures[kind] = n;
      const { retried, dead, expired, delivered } = this.records;
      this.logger.warn(`delivery failures in the last ${Math.round((now - since) / 1000)}s (not logged one by one)`, {
        url: this.url,
        failures,
        retried,
        dead,
        expired,
        delivered,
        ...(this.backoffs > 0 ? { backedOffAgain: this.backoffs } : {}),
        endpoint: this.down ? 'backing off' : 'up',
      });
      if (this.down) this.toldDown = true;
    }
    this.failures = new Map();
    this.records = { retried: 0, dead: 0, expired: 0, delivered: 0 };
    this.backoffs = 0;
    this.backoffLogged = false;
    // a new interval starts only with something to count
    this.since = null;
  }

  private noteEndpoint(now: number, what: { error?: string; ok?: boolean }): void {
    const changed = what.ok ? this.notedOk !== true : this.notedError !== what.error;
    if (!changed && now - this.notedAt < NOTE_MS) return;
    this.queue.noteEndpoint(this.url, what, now);
    this.notedOk = what.ok === true;
    this.notedError = what.error ?? null;
    this.notedAt = now;
  }
}
