// Seeing what a running tail does: a summary log line every interval while busy, and the runtime
// file `loghook status` reads.
import type { Tailer } from '../source/tailer.js';
import type { Spool } from '../spool/spool.js';
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Enqueuer } from './enqueuer.js';
import type { Gate } from './gate.js';
import type { Logger } from '../telemetry/logger.js';
import { redactUrl } from '../telemetry/logger.js';
import type { Clock } from '../util/clock.js';
import { writeRuntime, type RuntimeInfo } from './runtime-file.js';
import { errorMessage } from '../util/errors.js';

export interface ReporterParts {
  stateDir: string;
  url: string;
  once: boolean;
  version: string;
  intervalMs: number;
  logger: Logger;
  clock: Clock;
  tailer: Tailer;
  enqueuer: Enqueuer;
  dispatcher: Dispatcher;
  spool: Spool;
  gate: Gate;
}

const RUNTIME_EVERY_MS = 2000;

export class Reporter {
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt: number;
  private lastSummaryAt: number;
  private lastKey = '';
  private warnedRuntime = false;

  constructor(private readonly p: ReporterParts) {
    this.startedAt = p.clock.now();
    this.lastSummaryAt = this.startedAt;
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), Math.min(RUNTIME_EVERY_MS, this.p.intervalMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tick(true);
  }

  info(): RuntimeInfo {
    const s = this.p.dispatcher.stats();
    const src = this.p.tailer.counters;
    const sel = this.p.enqueuer.stats;
    return {
      pid: process.pid,
      version: this.p.version,
      url: redactUrl(this.p.url),
      startedAt: this.startedAt,
      updatedAt: this.p.clock.now(),
      once: this.p.once,
      records: { read: src.linesRead, queued: this.p.enqueuer.queued, delivered: s.delivered, retried: s.retried, dead: s.dead, expired: s.expired, invalid: sel.invalid, filtered: sel.filtered },
      inFlight: { requests: s.inFlightRequests, records: s.inFlightRecords },
      endpoint: s.endpoint,
      lastError: s.lastError,
      paused: this.p.gate.paused,
      unreadable: this.p.tailer.unreadable(),
    };
  }

  private tick(stopping = false): void {
    const info = this.info();
    if (stopping) info.stoppedAt = info.updatedAt;
    try {
      writeRuntime(this.p.stateDir, info);
    } catch (err) {
      if (!this.warnedRuntime) this.p.logger.warn(`cannot write the runtime file in ${this.p.stateDir}: ${errorMessage(err)}`);
      this.warnedRuntime = true;
    }
    const now = info.updatedAt;
    if (now - this.lastSummaryAt < this.p.intervalMs) return;
    const r = info.records;
    // Only while busy: an idle service does not repeat the same line forever.
    const key = JSON.stringify([r, info.inFlight]);
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.lastSummaryAt = now;
    const q = this.p.spool.counts();
    this.p.logger.info('summary', {
      read: r.read, queued: r.queued, delivered: r.delivered, retried: r.retried, dead: r.dead + r.expired,
      inFlight: info.inFlight.records, queueDepth: q.records, behind: this.p.tailer.lag(), endpoint: info.endpoint,
      ...(info.paused ? { paused: info.paused } : {}),
    });
  }
}
