// What the dispatcher tells people about outcomes, without flooding: a warning when the kind of
// failure changes (a new status or error code), a reminder at most every 5 minutes while it goes
// on (with how many failures were not logged), one line when deliveries succeed again. The
// endpoint health the `status` command shows is written on changes and at most once a second.
import type { Logger } from '../telemetry/logger.js';
import { redactUrl } from '../telemetry/logger.js';
import type { QueuePort } from './queue-port.js';

const REMIND_MS = 5 * 60_000;
const NOTE_MS = 1000;

export class OutcomeLog {
  private readonly url: string;
  private lastKey: string | null = null;
  private lastWasTransient = false;
  private lastLogAt = 0;
  private suppressed = 0;
  private notedOk: boolean | null = null;
  private notedError: string | null = null;
  private notedAt = 0;
  private readonly warnedOnce = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly queue: QueuePort,
    url: string,
  ) {
    // Redacted for the queue too: the state dir should not keep a password either.
    this.url = redactUrl(url);
  }

  failure(now: number, key: string, what: 'retry' | 'final' | 'expired', disposition: string, records: number): void {
    this.noteEndpoint(now, { error: disposition });
    if (key === this.lastKey && now - this.lastLogAt < REMIND_MS) {
      this.suppressed++;
      return;
    }
    const msg =
      what === 'retry'
        ? 'delivery failed, will retry'
        : what === 'final'
          ? 'receiver refused records for good, moved to dead letters'
          : 'records expired (older than --max-age), moved to dead letters';
    const fields: Record<string, unknown> = { url: this.url, disposition, records };
    if (key === this.lastKey && this.suppressed > 0) fields['sameFailuresSinceLastLog'] = this.suppressed;
    this.logger.warn(msg, fields);
    this.lastKey = key;
    this.lastWasTransient = what === 'retry';
    this.lastLogAt = now;
    this.suppressed = 0;
  }

  success(now: number): void {
    this.noteEndpoint(now, { ok: true });
    // A final failure now and then (a poison record) is not an outage: only a run of transient
    // failures gets a "recovered" line.
    if (this.lastKey !== null && this.lastWasTransient) {
      this.logger.info('receiver accepts records again', { url: this.url });
      this.lastKey = null;
      this.suppressed = 0;
    }
  }

  breakerOpened(intervalMs: number): void {
    this.logger.warn('receiver unavailable, backing off: one request at a time until it answers', {
      url: this.url,
      firstProbeInMs: intervalMs,
    });
  }

  /** The guard took a streak of identical endpoint-level final answers for a misconfiguration. */
  misconfigured(answer: string): void {
    this.logger.error(`every request is answered ${answer}: is the url (or the credentials) right? Records are kept and retried, not dead-lettered, until the receiver accepts one`, { url: this.url });
  }

  breakerClosed(): void {
    this.logger.info('receiver is back, full concurrency restored', { url: this.url });
  }

  /** A warning logged once per process for `key`. */
  once(key: string, msg: string, fields: Record<string, unknown> = {}): void {
    if (this.warnedOnce.has(key)) return;
    this.warnedOnce.add(key);
    this.logger.warn(msg, { url: this.url, ...fields });
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
