// `loghook tail`: source -> hook -> spool -> deliver, wired. Holds no format or protocol
// knowledge of its own. Follows forever (a service) or, with `once`, reads what is on disk now,
// delivers it and returns (cron).
import { resolveTargets } from '../source/discovery.js';
import { Tailer } from '../source/tailer.js';
import { unreadSummary } from '../source/unreadable.js';
import { Spool } from '../spool/spool.js';
import { HttpSink } from '../sinks/http/sink.js';
import { Dispatcher } from '../deliver/dispatcher.js';
import type { BatchFormat } from '../deliver/batch-body.js';
import type { HeaderItem } from '../sinks/http/headers.js';
import type { PolicyOverrides } from '../sinks/http/policy.js';
import { hookSelection, type HookFilter } from '../hook/hook.js';
import { Enqueuer } from './enqueuer.js';
import { Gate } from './gate.js';
import { Reporter } from './reporter.js';
import type { Logger } from '../telemetry/logger.js';
import { redactUrl } from '../telemetry/logger.js';
import { capYoungGeneration } from '../telemetry/heap.js';
import { makePrivate } from '../config/state-dir.js';
import type { Clock, Random } from '../util/clock.js';
import { ExitCode, type ExitCodeValue } from '../util/errors.js';

export interface TailOptions {
  paths: string[];
  url: string;
  once: boolean;
  stateDir: string;
  pattern?: RegExp;
  pollMs?: number;
  maxLineBytes: number;
  filter: HookFilter;
  batchSize: number;
  minBatchSize: number;
  maxBatchLatencyMs: number;
  maxBatchBytes: number;
  batchFormat: BatchFormat;
  concurrency: number;
  timeoutMs: number;
  headers: HeaderItem[];
  retryIntervalMs: number;
  maxRetryIntervalMs: number;
  maxAgeMs: number;
  policy: PolicyOverrides;
  maxQueueRecords?: number;
  maxQueueBytes?: number;
  shutdownTimeoutMs: number;
  summaryIntervalMs: number;
  logger: Logger;
  clock: Clock;
  random?: Random;
  signal: AbortSignal;
  version: string;
}

export interface TailResult {
  exitCode: ExitCodeValue;
  delivered: number;
  dead: number;
  queuedLeft: number;
}

/**
 * Rows committed while the receiver keeps up stay in memory (the spool's window): reading waits
 * beyond READ_AHEAD_RECORDS, with room to spare for one commit's overshoot.
 */
const READ_AHEAD_RECORDS = 5000;
const WINDOW_RECORDS = 30_000;
const WINDOW_BYTES = 48 * 1024 * 1024;
/** V8's young generation stops growing here (see telemetry/heap.ts). */
const YOUNG_GENERATION_MB = 8;
/** Delivery outcomes are buffered by the queue and committed at least this often. */
const OUTCOME_FLUSH_MS = 100;

export async function runTail(o: TailOptions): Promise<TailResult> {
  const log = o.logger;
  const uncap = capYoungGeneration(YOUNG_GENERATION_MB);
  const targets = await resolveTargets(o.paths);
  const spool = Spool.open({ stateDir: o.stateDir, clock: o.clock, memoryWindowRecords: WINDOW_RECORDS, memoryWindowBytes: WINDOW_BYTES });
  let flushTimer: NodeJS.Timeout | null = null;
  try {
    const sink = new HttpSink({ url: o.url, version: o.version, connections: o.concurrency, timeoutMs: o.timeoutMs, headers: o.headers, policy: o.policy, logger: log, clock: o.clock });
    const dispatcher = new Dispatcher({
      sink, queue: spool, clock: o.clock, logger: log,
      batchSize: o.batchSize, minBatchSize: o.minBatchSize, maxBatchLatencyMs: o.maxBatchLatencyMs,
      maxBatchBytes: o.maxBatchBytes, batchFormat: o.batchFormat, concurrency: o.concurrency,
      retryIntervalMs: o.retryIntervalMs, maxRetryIntervalMs: o.maxRetryIntervalMs, maxAgeMs: o.maxAgeMs,
      ...(o.random ? { random: o.random } : {}),
    });
    let tailer: Tailer | null = null;
    const enqueuer = new Enqueuer({
      selection: hookSelection(o.filter),
      chunkRecords: Math.max(o.batchSize, 100),
      chunkBytes: o.maxBatchBytes,
      commitRecords: Math.max(2000, o.batchSize * o.concurrency),
      logger: log,
      commit: (chunks) => {
        spool.commit(chunks, tailer!.checkpoints());
        dispatcher.wake();
      },
    });
    const outcomes = () => {
      const s = dispatcher.stats();
      return s.delivered + s.retried + s.dead + s.expired;
    };
    const gate = new Gate(
      {
        counts: () => spool.counts(),
        outstanding: () => enqueuer.queued - outcomes(),
        receiverHealthy: () => dispatcher.stats().endpoint === 'closed',
        changed: (ms) => nextChange(dispatcher, ms),
      },
      { maxQueueRecords: o.maxQueueRecords, maxQueueBytes: o.maxQueueBytes, readAheadRecords: READ_AHEAD_RECORDS, logger: log, signal: o.signal },
    );
    tailer = new Tailer({
      targets,
      follow: !o.once,
      checkpoints: spool.loadCheckpoints(),
      logger: log,
      recycleBuffers: true, // the enqueuer copies kept records before onBatch returns
      maxLineBytes: o.maxLineBytes,
      ...(o.pattern ? { pattern: o.pattern } : {}),
      ...(o.pollMs !== undefined ? { rescanMs: o.pollMs, usePolling: true } : {}),
      onBatch: async (b) => {
        if (enqueuer.add(b)) enqueuer.flush();
        await gate.room();
      },
      onIdle: () => void enqueuer.flush(),
    });
    const reporter = new Reporter({ stateDir: o.stateDir, url: o.url, once: o.once, version: o.version, intervalMs: o.summaryIntervalMs, logger: log, clock: o.clock, tailer, enqueuer, dispatcher, spool, gate });
    const openToOthers = makePrivate(o.stateDir); // null once open-state made it private
    if (openToOthers) log.warn(openToOthers);
    const deadBefore = spool.deadCount();
    log.info(`loghook ${o.version}: ${o.once ? 'catching up' : 'following'} ${targets.map((t) => t.path).join(', ')} -> ${redactUrl(o.url)}`, { stateDir: o.stateDir, queued: spool.counts().records });

    const stop = () => tailer!.stop();
    o.signal.addEventListener('abort', stop, { once: true });
    // Retries become rows with due times only when written: wake the dispatcher to see them.
    flushTimer = setInterval(() => {
      spool.flush();
      dispatcher.wake();
    }, OUTCOME_FLUSH_MS);
    const delivering = dispatcher.start();
    // A failing queue (disk full) stops the run instead of leaving the reader running blind.
    let failure: unknown = null;
    delivering.catch((err) => {
      failure = err;
      tailer!.stop();
    });
    reporter.start();
    try {
      await tailer.run();
      enqueuer.flush();
      if (o.once && !o.signal.aborted && !failure) {
        dispatcher.flush();
        await drained(dispatcher, o.signal);
      }
    } finally {
      o.signal.removeEventListener('abort', stop);
      // The dispatcher says itself what it abandoned after --shutdown-timeout.
      const { abandonedRequests } = await dispatcher.stop({ timeoutMs: o.shutdownTimeoutMs });
      if (abandonedRequests > 0) void sink.destroy();
      else await sink.close();
      clearInterval(flushTimer);
      flushTimer = null;
      spool.flush();
      reporter.stop();
    }
    if (failure) throw failure;
    const s = dispatcher.stats();
    const dead = spool.deadCount() - deadBefore;
    const queuedLeft = spool.counts().records;
    // Unread input outweighs queued records: retries will not fix it, the operator must.
    const unread = tailer.unreadable();
    if (o.once && unread.length > 0) log.error(unreadSummary(unread, 'run again: the next run reads them from where they stopped'));
    const exitCode = unread.length > 0 ? ExitCode.input : dead > 0 ? ExitCode.deadLetters : queuedLeft > 0 ? ExitCode.pendingRetries : ExitCode.ok;
    const end = !o.once ? 'stopped' : unread.length > 0 ? 'done for now: some input could not be read' : queuedLeft > 0 ? 'done for now: the rest stays queued for the next run' : 'caught up';
    log.info(end, { delivered: s.delivered, dead, queuedLeft });
    return { exitCode: o.once ? exitCode : ExitCode.ok, delivered: s.delivered, dead, queuedLeft };
  } finally {
    if (flushTimer) clearInterval(flushTimer);
    uncap();
    spool.close();
  }
}

/** Resolves on the dispatcher's next outcome or after `ms`. */
function nextChange(d: Dispatcher, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    const off = d.onChange(done);
    function done() {
      clearTimeout(t);
      off();
      resolve();
    }
  });
}

/**
 * --once: everything read has had its attempt. Done when nothing is due or in flight, or when the
 * receiver is down and a probe made after this point found it still down (what is left stays
 * queued for the next run), or on a signal.
 */
async function drained(d: Dispatcher, signal: AbortSignal): Promise<void> {
  const probesBefore = d.stats().failedProbes;
  while (!signal.aborted) {
    if (d.idle()) return;
    const s = d.stats();
    if (s.endpoint !== 'closed' && s.failedProbes > probesBefore && s.inFlightRequests === 0) return;
    await nextChange(d, 200);
  }
}
