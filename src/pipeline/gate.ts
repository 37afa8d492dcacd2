// Backpressure between reading and delivery. Reading never drops anything: it waits.
// - The queue is bounded (--max-queue, records or bytes): when full, reading pauses with one
//   warning and resumes as delivery drains it. Records read but not committed yet count too: the
//   gate is asked after every read batch, and once committed plus pending reach the limit the
//   pending ones are committed at once, so the queue passes the limit by one read batch at most
//   (the kept lines of one 256 KiB read buffer), not by a commit's worth (2,000 records or more).
// - While the receiver is healthy, reading stays at most `readAheadRecords` ahead of delivery, so
//   fresh rows go from commit to request through memory (no SELECT) and RSS stays flat. While it
//   is down, reading goes on into the durable queue (up to --max-queue): log files may be deleted
//   by the operator's cron, queued records are not.
import type { Logger } from '../telemetry/logger.js';
import type { QueueCounts } from '../spool/types.js';
import { formatBytes } from '../config/units.js';

const WARN_EVERY_MS = 60_000;

export interface GateProbe {
  counts(): QueueCounts;
  /** records committed by this run and not yet given any outcome */
  outstanding(): number;
  receiverHealthy(): boolean;
  /** resolves on the next delivery outcome, or after `ms` */
  changed(ms: number): Promise<void>;
  /** the state disk is full: nothing more can be queued now (retries the commit when due) */
  diskFull?(): boolean;
  /** records read and not committed yet, and their bytes */
  pending?(): { records: number; bytes: number };
  /** commits what is pending now */
  commit?(): void;
}

export interface GateOptions {
  maxQueueRecords?: number;
  maxQueueBytes?: number;
  /** a number, or a function when it depends on the endpoints in use (tail.ts) */
  readAheadRecords: number | (() => number);
  logger: Logger;
  signal?: AbortSignal;
}

export class Gate {
  /** why reading is paused right now, null when it is not */
  paused: string | null = null;
  /** the warning was logged for this pause (then its end is logged too) */
  private warnedFull = false;
  private warnedAt = -Infinity;

  constructor(
    private readonly probe: GateProbe,
    private readonly opts: GateOptions,
  ) {}

  /** Resolves when reading may go on (or the run is being stopped). */
  async room(): Promise<void> {
    for (;;) {
      if (this.opts.signal?.aborted) return;
      if (this.probe.diskFull?.()) {
        this.paused = 'state disk full';
        await this.probe.changed(500);
        continue;
      }
      let c = this.probe.counts();
      const p = this.probe.pending?.() ?? { records: 0, bytes: 0 };
      let full = this.over(c.records + p.records, c.bytes + p.bytes);
      if (full && p.records > 0 && this.probe.commit) {
        // at the limit with records not queued yet: queue them now, then wait for room
        this.probe.commit();
        c = this.probe.counts();
        full = this.over(c.records, c.bytes);
      }
      const r = this.opts.readAheadRecords;
      const ahead = !full && this.probe.receiverHealthy() && this.probe.outstanding() >= (typeof r === 'number' ? r : r());
      if (!full && this.paused === 'queue full') {
        if (this.warnedFull) this.opts.logger.info('queue below its limit again: reading resumed', { records: c.records, bytes: c.bytes });
        this.paused = null;
      }
      if (!full) this.warnedFull = false;
      if (!full && !ahead) {
        this.paused = null;
        return;
      }
      // A queue kept at its limit pauses and resumes with every delivery: told once a minute.
      const t = performance.now();
      if (full && !this.warnedFull && t - this.warnedAt >= WARN_EVERY_MS) {
        this.warnedFull = true;
        this.warnedAt = t;
        this.opts.logger.warn(`queue full (${c.records} records, ${formatBytes(c.bytes)}; --max-queue ${this.limit()}): reading paused until delivery drains it; nothing is dropped`, { records: c.records, bytes: c.bytes, maxQueue: this.limit() });
      }
      // Reading ahead of delivery by up to readAheadRecords is the normal pace, not a pause.
      this.paused = full ? 'queue full' : null;
      await this.probe.changed(full ? 500 : 100);
    }
  }

  private over(records: number, bytes: number): boolean {
    const { maxQueueRecords: r, maxQueueBytes: b } = this.opts;
    return (r !== undefined && records >= r) || (b !== undefined && bytes >= b);
  }

  /** The limit as the operator wrote it: a number of records, or a size. */
  private limit(): string {
    const { maxQueueRecords: r, maxQueueBytes: b } = this.opts;
    return [r !== undefined ? `${r} records` : null, b !== undefined ? formatBytes(b) : null].filter(Boolean).join(', ');
  }
}
