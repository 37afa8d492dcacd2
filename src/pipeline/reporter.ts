// Seeing what a running tail does: a summary log line every interval while busy, and the runtime
// file `loghook status` reads.
import type { Tailer } from '../source/tailer.js';
import type { Spool } from '../spool/spool.js';
import type { HookDispatch } from '../deliver/hook-dispatch.js';
import type { HookCounts } from './hook-select.js';
import type { Gate } from './gate.js';
import type { Logger } from '../telemetry/logger.js';
import type { Clock } from '../util/clock.js';
import { writeRuntime, type HookRuntimeInfo, type RuntimeInfo } from './runtime-file.js';
import { errorMessage } from '../util/errors.js';
import { endpointWord, worstWord } from './endpoint-words.js';

export interface ReportedHook {
  name: string;
  describe: string;
  counts: HookCounts;
  dispatch: HookDispatch;
  /** records queued for it by this run */
  queued(): number;
}

export interface ReporterParts {
  stateDir: string;
  once: boolean;
  version: string;
  intervalMs: number;
  logger: Logger;
  clock: Clock;
  tailer: Tailer;
  hooks: ReportedHook[];
  spool: Spool;
  gate: Gate;
  /** log directories that held no segment at start (pipeline/empty-dirs.ts) */
  emptyDirs?: string[];
}

const RUNTIME_EVERY_MS = 2000;
/** endpoints listed per hook in the runtime file: the largest backlogs */
const LISTED_ENDPOINTS = 10;

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

  /** `failed` hears of a tick that could not read the queue (a damaged queue.db): the run ends. */
  start(failed: (err: unknown) => void = (err) => { throw err; }): void {
    this.tick();
    const tick = () => {
      try {
        this.tick();
      } catch (err) {
        if (this.timer) clearInterval(this.timer);
        this.timer = null;
        failed(err);
      }
    };
    this.timer = setInterval(tick, Math.min(RUNTIME_EVERY_MS, this.p.intervalMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tick(true);
  }

  info(): RuntimeInfo {
    const src = this.p.tailer.counters;
    const hooks = this.p.hooks.map((h) => this.hookInfo(h));
    const sum = (f: (h: HookRuntimeInfo) => number) => hooks.reduce((n, h) => n + f(h), 0);
    const first = hooks[0]!;
    return {
      pid: process.pid,
      version: this.p.version,
      url: hooks.map((h) => h.describe).join(', '),
      startedAt: this.startedAt,
      updatedAt: this.p.clock.now(),
      once: this.p.once,
      records: {
        read: src.linesRead,
        queued: sum((h) => h.records.queued),
        delivered: sum((h) => h.records.delivered),
        retried: sum((h) => h.records.retried),
        dead: sum((h) => h.records.dead),
        expired: sum((h) => h.records.expired),
        invalid: first.records.invalid,
        filtered: sum((h) => h.records.filtered),
        unrouted: sum((h) => h.records.unrouted),
      },
      inFlight: { requests: sum((h) => h.inFlight.requests), records: sum((h) => h.inFlight.records) },
      endpoint: worstWord(hooks.flatMap((h) => h.endpoints.states)),
      lastError: hooks.map((h) => h.lastError).find((e) => e !== null) ?? null,
      paused: this.p.gate.paused,
      hooks,
      unreadable: this.p.tailer.unreadable(),
      behind: this.p.tailer.segmentsBehind(),
      emptyDirs: this.p.emptyDirs ?? [],
    };
  }

  private hookInfo(h: ReportedHook): HookRuntimeInfo {
    const t = h.dispatch.totals();
    const c = h.counts;
    const eps = h.dispatch.endpointStats();
    const backlog = new Map(this.p.spool.queues().filter((q) => q.hook === h.name).map((q) => [q.id, q.records]));
    const listed = eps
      .map((e) => ({ name: e.name, state: endpointWord(e.endpoint), backlog: backlog.get(e.queueId) ?? 0, inFlight: e.inFlightRecords, lastError: e.lastError }))
      .sort((a, b) => b.backlog - a.backlog)
      .slice(0, LISTED_ENDPOINTS);
    return {
      name: h.name,
      describe: h.describe,
      records: { queued: h.queued(), delivered: t.delivered, retried: t.retried, dead: t.dead, expired: t.expired, invalid: c.invalid, filtered: c.filtered, unrouted: c.unrouted },
      inFlight: { requests: t.inFlightRequests, records: t.inFlightRecords },
      lastError: t.lastError,
      endpoints: { count: t.endpoints, down: t.down, states: [...new Set(eps.map((e) => endpointWord(e.endpoint)))], listed, more: Math.max(0, eps.length - listed.length) },
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
      filtered: r.filtered, unrouted: r.unrouted,
      inFlight: info.inFlight.records, queueDepth: q.records, behind: info.behind, endpoint: info.endpoint,
      ...(info.paused ? { paused: info.paused } : {}),
    });
    // With several hooks, a line each as well: which one is behind is what an operator asks.
    if (info.hooks.length > 1) {
      for (const h of info.hooks) {
        this.p.logger.info('summary', {
          hook: h.name, queued: h.records.queued, delivered: h.records.delivered, retried: h.records.retried,
          dead: h.records.dead + h.records.expired, filtered: h.records.filtered, unrouted: h.records.unrouted,
          inFlight: h.inFlight.records, endpoints: h.endpoints.count, down: h.endpoints.down,
        });
      }
    }
  }
}
