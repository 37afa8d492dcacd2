// Backpressure between reading and delivery. Reading never drops anything: it waits.
// - The queue is bounded (--max-queue, records or bytes): when full, reading pauses with one
//   warning and resumes as delivery drains it.
// - While the receiver is healthy, reading stays at most `readAheadRecords` ahead of delivery, so
//   fresh rows go from commit to request through memory (no SELECT) and RSS stays flat. While it
//   is down, reading goes on into the durable queue (up to --max-queue): log files may be deleted
//   by the operator's cron, queued records are not.
import type { Logger } from '../telemetry/logger.js';
import type { QueueCounts } from '../spool/types.js';
import { formatBytes } from '../config/units.js';

export interface GateProbe {
  counts(): QueueCounts;
  /** records committed by this run and not yet given any outcome */
  outstanding(): number;
  receiverHealthy(): boolean;
  /** resolves on the next delivery outcome, or after `ms` */
  changed(ms: number): Promise<void>;
  /** the state disk is full: nothing more can be queued now (retries the commit when due) */
  diskFull?(): boolean;
}

export interface GateOptions {
  maxQueueRecords?: number;
  maxQueueBytes?: number;
  readAheadRecords: number;
  logger: Logger;
  signal?: AbortSignal;
}

export class Gate {
  /** why reading is paused right now, null when it is not */
  paused: string | null = null;
  private warnedFull = false;

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
      const c = this.probe.counts();
      const full = (this.opts.maxQueueRecords !== undefined && c.records >= this.opts.maxQueueRecords) || (this.opts.maxQueueBytes !== undefined && c.bytes >= this.opts.maxQueueBytes);
      const ahead = !full && this.probe.receiverHealthy() && this.probe.outstanding() >= this.opts.readAheadRecords;
      if (!full && this.paused === 'queue full') {
        this.opts.logger.info('queue below its limit again: reading resumed', { records: c.records, bytes: c.bytes });
        this.paused = null;
      }
      if (!full) this.warnedFull = false;
      if (!full && !ahead) {
        this.paused = null;
        return;
      }
      if (full && !this.warnedFull) {
        this.warnedFull = true;
        this.opts.logger.warn(`queue full (${c.records} records, ${formatBytes(c.bytes)}; --max-queue): reading paused until delivery drains it; nothing is dropped`);
      }
      // Reading ahead of delivery by up to readAheadRecords is the normal pace, not a pause.
      this.paused = full ? 'queue full' : null;
      await this.probe.changed(full ? 500 : 100);
    }
  }
}
