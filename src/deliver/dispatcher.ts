// The delivery loop for one endpoint: takes due rows from the queue, batches their records
// (batcher.ts: a request may carry part of a row or span rows), POSTs them with up to
// `concurrency` requests in flight, gives each record its result, and settles each row with the
// queue once all its records have one (apply-outcome.ts, claimed-row.ts). Rows already older than
// max age when taken go to the dead letters as 'expired' without a request.
// The endpoint breaker throttles a receiver that is down to one probe request per interval.
// Nothing here reads the real time: the clock and random source are injected.
import type { QueuedRow } from '../spool/types.js';
import { systemClock, type Clock, type Random } from '../util/clock.js';
import { errorMessage } from '../util/errors.js';
import { silentLogger, type Logger } from '../telemetry/logger.js';
import { formatDuration } from '../config/units.js';
import type { QueuePort, RecordResult } from './queue-port.js';
import type { Sink, SinkOutcome, SinkRequest } from './sink.js';
import { expiresAt } from './backoff.js';
import { DEFAULTS, HOOK_DEFAULTS } from '../config/defaults.js';
import { EndpointBreaker, type BreakerOptions } from './endpoint-breaker.js';
import type { BatchFormat } from './batch-body.js';
import { MisconfigGuard } from './misconfig-guard.js';
import { eventIdsOf, requestId } from '../hook/event-id.js';
import { planBatch, type BatchLimits, type BatchSlice } from './batcher.js';
import { ClaimedRow } from './claimed-row.js';
import { OutcomeLog } from './outcome-log.js';
import { applyOutcome, type OutcomeContext } from './apply-outcome.js';
import { Waker } from './waker.js';
import type { RequestSlots, Slot } from './request-slots.js';
import { EndpointRun, type EndpointRunStats } from './endpoint-run.js';

export interface DispatcherOptions {
  sink: Sink;
  queue: QueuePort;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** records per request; every default here is config/defaults.ts's HOOK_DEFAULTS */
  batchSize?: number;
  /** wait for this many due records... (1: never wait; at most batchSize) */
  minBatchSize?: number;
  /** ...but no longer than this after the oldest became due */
  maxBatchLatencyMs?: number;
  /** request body limit */
  maxBatchBytes?: number;
  batchFormat?: BatchFormat;
  /** requests in flight at most; give the client as many connections */
  concurrency?: number;
  retryIntervalMs?: number;
  maxRetryIntervalMs?: number;
  maxAgeMs?: number;
  /** defaults: first probe after 1 s, doubling up to the retry interval, 5 transient in a row */
  breaker?: BreakerOptions;
  /** the hook's concurrency, shared with its other endpoints (hook-dispatch.ts); none: only ours */
  slots?: RequestSlots;
}

export interface DispatcherStats extends EndpointRunStats {
  /** records, since start */
  delivered: number;
  retried: number;
  dead: number;
  expired: number;
  inFlightRequests: number;
  inFlightRecords: number;
  /** claimed records waiting for a batch (--min-batch-size) */
  waitingRecords: number;
  /** the last failure's disposition, null if none yet */
  lastError: string | null;
  endpoint: EndpointBreaker['state'];
  /** probe requests that found the receiver still down, since start */
  failedProbes: number;
}

const MAX_PAUSE_MS = 60_000;

export class Dispatcher {
  private readonly o: Required<Omit<DispatcherOptions, 'breaker' | 'random' | 'slots'>> & { random: Random; sink: Sink; slots?: RequestSlots };
  private readonly ctx: OutcomeContext;
  private readonly limits: BatchLimits;
  private readonly breaker: EndpointBreaker;
  private readonly log: OutcomeLog;
  private readonly listeners = new Set<() => void>();
  /** claimed rows with records not in a request yet, in the order taken */
  private pending: ClaimedRow[] = [];
  /** halves of requests the receiver found too large (413), sent before anything new */
  private splits: BatchSlice<ClaimedRow>[][] = [];
  /** claimed rows without their outcome yet (waiting, in flight, or both) */
  private readonly open = new Set<ClaimedRow>();
  /** records of `pending` not in a request yet */
  private waiting = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private counts = { delivered: 0, retried: 0, dead: 0, expired: 0, requests: 0, records: 0, failedProbes: 0 };
  private lastError: string | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private abandoned = false;
  private flushing = false;
  private fatal: unknown = null;
  private readonly waker: Waker;
  private readonly runRecord = new EndpointRun();

  constructor(opts: DispatcherOptions) {
    const D = HOOK_DEFAULTS;
    const retryIntervalMs = opts.retryIntervalMs ?? D.retryIntervalMs;
    const batchSize = Math.max(1, opts.batchSize ?? D.batchSize);
    this.o = {
      sink: opts.sink,
      queue: opts.queue,
      clock: opts.clock ?? systemClock,
      random: opts.random ?? Math.random,
      logger: opts.logger ?? silentLogger,
      batchSize,
      // a batch never holds more than batchSize: waiting for more would only wait for the latency
      minBatchSize: Math.min(batchSize, Math.max(1, opts.minBatchSize ?? D.minBatchSize)),
      maxBatchLatencyMs: opts.maxBatchLatencyMs ?? D.maxBatchLatencyMs,
      maxBatchBytes: opts.maxBatchBytes ?? D.maxBatchBytes,
      batchFormat: opts.batchFormat ?? D.batchFormat,
      concurrency: Math.max(1, opts.concurrency ?? D.concurrency),
      retryIntervalMs,
      maxRetryIntervalMs: opts.maxRetryIntervalMs ?? D.maxRetryIntervalMs,
      maxAgeMs: opts.maxAgeMs ?? D.maxAgeMs,
      ...(opts.slots ? { slots: opts.slots } : {}),
    };
    const { maxBatchBytes, minBatchSize, maxBatchLatencyMs, batchFormat: format } = this.o;
    this.limits = { batchSize, maxBatchBytes, minBatchSize, maxBatchLatencyMs, format };
    if (opts.sink.maxEventIdHeaderBytes !== undefined && batchSize > 1) this.limits.maxIdListBytes = opts.sink.maxEventIdHeaderBytes;
    this.breaker = new EndpointBreaker({ maxIntervalMs: retryIntervalMs, maxRetryAfterMs: this.o.maxRetryIntervalMs, ...opts.breaker });
    this.log = new OutcomeLog(this.o.logger, opts.queue, opts.sink.endpoint);
    this.waker = new Waker(this.o.clock);
    this.ctx = {
      queue: opts.queue,
      backoff: { retryIntervalMs, maxRetryIntervalMs: this.o.maxRetryIntervalMs },
      random: this.o.random,
      maxAgeMs: this.o.maxAgeMs,
      breaker: this.breaker,
      log: this.log,
      applied: (row) => this.open.delete(row),
      guard: new MisconfigGuard(),
    };
  }

  /** Starts the loop. The promise settles when it stops; it rejects if the queue fails. */
  start(): Promise<void> {
    this.loop ??= this.run();
    return this.loop;
  }

  /**
   * Sends from now on go through `sink` (a route whose URL or headers changed); requests in
   * flight finish on the old one, which closes after them.
   */
  replaceSink(sink: Sink): void {
    const old = this.o.sink;
    this.o.sink = sink;
    void old.close().catch(() => undefined);
    this.wake();
  }

  /** New rows were committed: look at the queue now. */
  wake(): void {
    this.waker.wake();
  }

  /** No more records are coming soon (end of input): stop waiting for --min-batch-size. */
  flush(): void {
    this.flushing = true;
    this.wake();
  }

  /**
   * Takes nothing new and waits for requests in flight, up to `timeoutMs` of the clock. Requests
   * still running then are abandoned: their outcome is ignored and their rows stay queued (they
   * go out on the next run). So does a row some of whose records were never sent, or had no
   * result: a row is settled only whole, so it goes out whole again (at-least-once).
   * Resolves with how many were abandoned.
   */
  async stop(opts: { timeoutMs?: number } = {}): Promise<{ abandonedRequests: number }> {
    this.stopping = true;
    this.wake();
    await this.loop?.catch(() => undefined);
    if (this.inFlight.size > 0) {
      const ac = new AbortController();
      const timer = this.o.clock.sleep(opts.timeoutMs ?? DEFAULTS.shutdownTimeoutMs, ac.signal).catch(() => undefined);
      await Promise.race([Promise.all(this.inFlight), timer]);
      ac.abort();
    }
    const abandonedRequests = this.inFlight.size;
    this.abandoned = true;
    // Rows sent in part: what is known is written, the rest stays queued as it was, so a clean
    // stop sends nothing twice. Rows not started need nothing: they are simply not claimed after.
    const now = this.o.clock.now();
    for (const row of this.open) if (row.started) row.applyPartial(this.o.queue, now);
    this.open.clear();
    this.log.flush(now);
    if (abandonedRequests > 0) {
      this.o.logger.warn('stopped with requests still in flight; their records stay queued for the next run', {
        requests: abandonedRequests,
        records: this.counts.records,
      });
    }
    return { abandonedRequests };
  }

  stats(): DispatcherStats {
    const c = this.counts;
    return {
      delivered: c.delivered,
      retried: c.retried,
      dead: c.dead,
      expired: c.expired,
      inFlightRequests: c.requests,
      inFlightRecords: c.records,
      waitingRecords: this.waiting,
      lastError: this.lastError,
      endpoint: this.breaker.state,
      failedProbes: c.failedProbes,
      ...this.runRecord.stats(),
    };
  }

  /** Nothing due now, nothing waiting for a batch, nothing in flight. */
  idle(): boolean {
    if (this.counts.requests > 0 || this.pending.length > 0 || this.splits.length > 0) return false;
    const next = this.o.queue.nextDueAt();
    return next === null || next > this.o.clock.now();
  }

  /** Calls `listener` after every applied outcome; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when idle() is true (checked now and after every change). */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.idle()) return;
        off();
        resolve();
      };
      const off = this.onChange(check);
      check();
    });
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopping) {
        if (this.fatal) throw this.fatal;
        const waitMs = this.step();
        if (waitMs === 0) continue;
        await this.waker.pause(waitMs);
      }
    } finally {
      this.o.slots?.leave(this);
    }
    if (this.fatal) throw this.fatal;
  }

  /** A slot of the hook's concurrency for the request about to go, or null: wait for one. */
  private slot(): Slot | null | undefined {
    return this.o.slots?.take(this);
  }

  /** One decision. Returns 0 to decide again at once, else how long to wait (null: until a request ends). */
  private step(): number | null {
    const { clock, queue, concurrency, batchSize, maxAgeMs } = this.o;
    // Waiting for a turn at the hook's concurrency: the batch is planned when the turn comes
    if (this.o.slots?.waits(this)) return null;
    const now = clock.now();
    if (this.breaker.capacity(now, this.counts.requests, concurrency) <= 0) {
      this.o.slots?.decline(this);
      const probeAt = this.breaker.nextProbeAt();
      return probeAt === null ? null : Math.min(MAX_PAUSE_MS, Math.max(1, probeAt - now));
    }
    // Whole rows until a batch's worth of records waits (takeDue stops before a row that would
    // pass the limit, but that row may still fill the batch in part).
    let expired = 0;
    while (this.waiting < batchSize) {
      const rows = queue.takeDue(batchSize - this.waiting, now);
      if (rows.length === 0) break;
      for (const msg of rows) {
        if (now > expiresAt(msg.createdAt, maxAgeMs)) {
          this.expire(msg, now);
          expired++;
        } else {
          const row = new ClaimedRow(msg);
          this.pending.push(row);
          this.open.add(row);
          this.waiting += msg.ends.length;
        }
      }
    }
    if (expired > 0) this.changed();
    if (this.splits.length > 0) {
      const slot = this.slot();
      if (slot === null) return null;
      const half = this.splits.shift()!;
      this.send(half, half.reduce((n, sl) => n + sl.to - sl.from, 0), now, slot);
      return 0;
    }
    const plan = planBatch(this.pending, this.limits, now, this.flushing);
    if (plan.kind !== 'send') this.o.slots?.decline(this);
    switch (plan.kind) {
      case 'idle': {
        // Capped: a wake() the pipeline forgot costs at most a minute.
        const next = queue.nextDueAt();
        return next === null ? MAX_PAUSE_MS : Math.min(MAX_PAUSE_MS, Math.max(1, next - now));
      }
      case 'wait':
        return Math.min(MAX_PAUSE_MS, Math.max(1, plan.until - now));
      case 'send': {
        // No slot free: the records wait here, and more gather behind them for a fuller batch
        const slot = this.slot();
        if (slot === null) return null;
        if (plan.oversized) {
          this.log.once('oversized', 'a record is larger than --max-batch-bytes; it is sent alone', {
            bytes: plan.bodyBytes,
            maxBatchBytes: this.o.maxBatchBytes,
          });
        }
        for (const sl of plan.slices) sl.row.next = sl.to;
        while (this.pending.length > 0 && this.pending[0]!.unsent === 0) this.pending.shift();
        this.waiting -= plan.records;
        this.send(plan.slices, plan.records, now, slot);
        return 0;
      }
    }
  }

  /** A row already older than max age when taken goes to the dead letters without a request. */
  private expire(msg: QueuedRow, now: number): void {
    const { maxAgeMs } = this.o;
    const n = msg.ends.length;
    const disposition = msg.disposition ?? `not delivered within --max-age ${formatDuration(maxAgeMs)}`;
    const dead: RecordResult = { kind: 'dead', reason: 'expired', disposition };
    this.o.queue.settle(msg, new Array<RecordResult>(n).fill(dead), now);
    this.counts.expired += n;
    this.log.failure(now, 'expired', 'expired', disposition, n);
  }

  private send(slices: BatchSlice<ClaimedRow>[], records: number, now: number, slot: Slot | undefined): void {
    const isProbe = this.breaker.begin(now);
    const eventIds = eventIdsOf(slices);
    let attempt = 1;
    for (const sl of slices) attempt = Math.max(attempt, sl.msg.attempts + 1);
    const req: SinkRequest = { slices, records, eventIds, id: requestId(eventIds), attempt, now, format: this.o.batchFormat };
    this.counts.requests++;
    this.counts.records += records;
    const p: Promise<void> = this.o.sink
      .send(req)
      .catch((err: unknown): SinkOutcome => unexpected(err))
      .then((outcome) => {
        this.inFlight.delete(p);
        slot?.release();
        if (this.abandoned) return;
        this.counts.requests--;
        this.counts.records -= records;
        // Too large for the receiver: nothing is final yet. The halves go again, down to single
        // records; only a single record too large is refused for itself.
        if (outcome.kind === 'too-large' && records > 1) {
          this.runRecord.note(outcome, null);
          this.breaker.requestEnded(this.o.clock.now(), 'up', isProbe, null);
          this.splits.unshift(...halves(slices, records));
          this.log.once('too-large', 'the receiver refused a request as too large; splitting it (lower max_batch_bytes or batch_size)', { records });
          this.changed();
          this.wake();
          return;
        }
        try {
          const r = applyOutcome(this.ctx, slices, records, outcome, isProbe, this.o.clock.now());
          this.runRecord.note(outcome, r.dead);
          if (isProbe && this.breaker.state !== 'closed') this.counts.failedProbes++;
          this.counts.delivered += r.delivered;
          this.counts.retried += r.retried;
          this.counts.dead += r.dead;
          this.counts.expired += r.expired;
          if (r.disposition !== null) this.lastError = r.disposition;
        } catch (err) {
          this.fatal ??= err;
        }
        this.changed();
        this.wake();
      });
    this.inFlight.add(p);
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** A request's slices cut into two runs of about half the records each. */
function halves(slices: readonly BatchSlice<ClaimedRow>[], records: number): [BatchSlice<ClaimedRow>[], BatchSlice<ClaimedRow>[]] {
  const cut = Math.floor(records / 2);
  const first: BatchSlice<ClaimedRow>[] = [];
  const second: BatchSlice<ClaimedRow>[] = [];
  let seen = 0;
  for (const sl of slices) {
    const n = sl.to - sl.from;
    if (seen + n <= cut) first.push(sl);
    else if (seen >= cut) second.push(sl);
    else {
      const at = sl.from + (cut - seen);
      first.push({ ...sl, to: at });
      second.push({ ...sl, from: at });
    }
    seen += n;
  }
  return [first, second];
}

/** A sink that broke its promise never to reject: a transient failure, so nothing is lost. */
function unexpected(err: unknown): SinkOutcome {
  const message = errorMessage(err);
  return {
    verdict: 'retry', explicit: false, kind: 'unreachable', disposition: `internal error: ${message}`,
    failureKey: 'error:INTERNAL', retryAfterMs: null, signal: 'unreachable', endpointLevel: null,
  };
}
