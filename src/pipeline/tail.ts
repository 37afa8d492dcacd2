// `loghook tail`: one read of the log directories -> every hook -> one commit -> one delivery per
// hook and endpoint, wired. Holds no format or protocol knowledge of its own. Follows forever (a
// service) or, with `once`, reads what is on disk now, delivers it and returns (cron).
import { resolveTargets } from '../source/discovery.js';
import { Tailer } from '../source/tailer.js';
import { unreadSummary } from '../source/unreadable.js';
import { Spool } from '../spool/spool.js';
import { HookDispatch } from '../deliver/hook-dispatch.js';
import { FanOut } from './fan-out.js';
import { Committer } from './committer.js';
import { HookSet } from './hook-select.js';
import type { HookRuntime } from './hooks.js';
import { Gate } from './gate.js';
import { Reporter, type ReportedHook } from './reporter.js';
import type { Logger } from '../telemetry/logger.js';
import { capYoungGeneration } from '../telemetry/heap.js';
import { TailTelemetry, type TelemetryOptions } from '../telemetry/tail-telemetry.js';
import { makePrivate } from '../config/state-dir.js';
import type { Clock, Random } from '../util/clock.js';
import { ExitCode, LoghookError, UsageError, errorMessage, type ExitCodeValue } from '../util/errors.js';
import { isDiskFull } from '../spool/sqlite.js';

export interface TailOptions {
  paths: string[];
  once: boolean;
  stateDir: string;
  pattern?: RegExp;
  pollMs?: number;
  maxLineBytes: number;
  hooks: HookRuntime[];
  maxQueueRecords?: number;
  maxQueueBytes?: number;
  shutdownTimeoutMs: number;
  summaryIntervalMs: number;
  logger: Logger;
  clock: Clock;
  random?: Random;
  signal: AbortSignal;
  version: string;
  /** serve /metrics, /healthz and /readyz (README "Metrics and health"); undefined: no listener */
  metrics?: TelemetryOptions;
}

export interface TailResult {
  exitCode: ExitCodeValue;
  delivered: number;
  dead: number;
  queuedLeft: number;
}

/**
 * Rows committed while the receivers keep up stay in memory (the spool's window): reading waits
 * beyond READ_AHEAD_RECORDS, with room to spare for one commit's overshoot.
 */
const READ_AHEAD_RECORDS = 5000;
const WINDOW_RECORDS = 30_000;
const WINDOW_BYTES = 48 * 1024 * 1024;
/** V8's young generation stops growing here (see telemetry/heap.ts). */
const YOUNG_GENERATION_MB = 8;
/** Delivery outcomes are buffered by the queue and committed at least this often. */
const OUTCOME_FLUSH_MS = 100;

interface LiveHook {
  rt: HookRuntime;
  dispatch: HookDispatch;
}

export async function runTail(o: TailOptions): Promise<TailResult> {
  const log = o.logger;
  if (o.hooks.length === 0) throw new UsageError('no hook to deliver to: give --url or a config file with [[hook]] tables');
  const uncap = capYoungGeneration(YOUNG_GENERATION_MB);
  const targets = await resolveTargets(o.paths);
  const spool = Spool.open({ stateDir: o.stateDir, clock: o.clock, memoryWindowRecords: WINDOW_RECORDS, memoryWindowBytes: WINDOW_BYTES });
  let flushTimer: NodeJS.Timeout | null = null;
  const telemetry = o.metrics ? new TailTelemetry(o.metrics, o.clock) : null;
  try {
    const hookSet = new HookSet(o.hooks.map((rt) => ({ ...rt.select, name: rt.name })), log);
    const hooks: LiveHook[] = o.hooks.map((rt) => ({
      rt,
      dispatch: new HookDispatch({
        hook: rt.name,
        delivery: { ...rt.delivery, clock: o.clock, logger: log, ...(o.random ? { random: o.random } : {}) },
        sinkFor: (endpoint) => (telemetry ? telemetry.wrapSink(rt.name, rt.sinkFor(endpoint)) : rt.sinkFor(endpoint)),
        queue: (id) => spool.queue(id),
      }),
    }));
    for (const h of hooks) h.rt.onRoutesChanged = () => h.dispatch.refreshSinks();
    const byName = new Map(hooks.map((h) => [h.rt.name, h]));
    // Where each queue's records go: known queues of configured hooks resume delivery at start.
    const queueOwner = new Map<number, { hook: LiveHook; endpoint: string }>();
    for (const q of spool.queues()) {
      const h = byName.get(q.hook);
      if (!h) {
        if (q.records > 0) log.warn(`hook '${q.hook}' is not in the configuration: its ${q.records} queued records stay queued (loghook dead purge --hook ${q.hook} --all, or add it back)`, { endpoint: q.endpoint || undefined });
        continue;
      }
      queueOwner.set(q.id, { hook: h, endpoint: q.endpoint });
      if (q.records > 0) h.dispatch.ensure(q.id, q.endpoint);
    }
    const fanOut = new FanOut(
      hookSet,
      (hook, endpoint) => {
        const id = spool.queueId(hook, endpoint);
        if (!queueOwner.has(id)) queueOwner.set(id, { hook: byName.get(hook)!, endpoint });
        return id;
      },
    );
    const commitRecords = Math.max(2000, ...o.hooks.map((h) => (h.delivery.batchSize ?? 1) * (h.delivery.concurrency ?? 1)));
    const committer = new Committer({
      spool,
      fanOut,
      checkpoints: () => tailer.checkpoints(),
      committed: (queueId, records) => {
        const owner = queueOwner.get(queueId)!;
        owner.hook.dispatch.committed(queueId, owner.endpoint, records);
      },
      logger: log,
    });
    let outstanding = 0;
    let outstandingAt = -Infinity;
    const onChange = (listener: () => void): (() => void) => {
      const offs = hooks.map((h) => h.dispatch.onChange(listener));
      return () => offs.forEach((off) => off());
    };
    const gate = new Gate(
      {
        counts: () => spool.counts(),
        outstanding: () => {
          // a sum over every endpoint: with a thousand of them, not on every batch
          const t = performance.now();
          if (t - outstandingAt >= 20) {
            outstandingAt = t;
            outstanding = hooks.reduce((n, h) => n + h.dispatch.outstandingHealthy(), 0);
          }
          return outstanding;
        },
        receiverHealthy: () => true,
        changed: (ms) => nextChange(onChange, ms),
        diskFull: () => committer.diskFull(),
      },
      { maxQueueRecords: o.maxQueueRecords, maxQueueBytes: o.maxQueueBytes, readAheadRecords: READ_AHEAD_RECORDS, logger: log, signal: o.signal },
    );
    const tailer: Tailer = new Tailer({
      targets,
      follow: !o.once,
      checkpoints: spool.loadCheckpoints(),
      logger: log,
      recycleBuffers: true, // the fan-out copies kept records before onBatch returns
      maxLineBytes: o.maxLineBytes,
      ...(o.pattern ? { pattern: o.pattern } : {}),
      ...(o.pollMs !== undefined ? { rescanMs: o.pollMs, usePolling: true } : {}),
      onBatch: async (b) => {
        telemetry?.read(b.bounds[b.count]! - b.bounds[0]!);
        fanOut.add(b);
        if (fanOut.pendingCount >= commitRecords) committer.commit();
        await gate.room();
      },
      onIdle: () => void committer.commit(),
    });
    const reported: ReportedHook[] = hooks.map((h, i) => ({ name: h.rt.name, describe: h.rt.describe, counts: hookSet.counts[i]!, dispatch: h.dispatch, queued: () => fanOut.queued[i]! }));
    const reporter = new Reporter({ stateDir: o.stateDir, once: o.once, version: o.version, intervalMs: o.summaryIntervalMs, logger: log, clock: o.clock, tailer, hooks: reported, spool, gate });
    const openToOthers = makePrivate(o.stateDir); // null once open-state made it private
    if (openToOthers) log.warn(openToOthers);
    await telemetry?.start({
      tailer,
      hooks: reported,
      spool,
      stateProblem: () => (failure ? errorMessage(failure) : committer.diskFull() ? `the state disk of ${o.stateDir} is full` : null),
    });
    if (telemetry) log.info(`metrics on ${telemetry.url}/metrics (and /healthz, /readyz)`);
    const deadBefore = spool.deadCount();
    log.info(`loghook ${o.version}: ${o.once ? 'catching up' : 'following'} ${targets.map((t) => t.path).join(', ')} -> ${hooks.map((h) => h.rt.describe).join(', ')}`, {
      stateDir: o.stateDir,
      queued: spool.counts().records,
    });

    const stop = () => tailer.stop();
    o.signal.addEventListener('abort', stop, { once: true });
    // A failing queue stops the run instead of leaving the reader running blind; a full disk
    // does not (the outcomes wait in memory and are written once there is room).
    let failure: unknown = null;
    // Retries become rows with due times only when written: wake the dispatchers to see them.
    flushTimer = setInterval(() => {
      try {
        spool.flush();
      } catch (err) {
        if (!isDiskFull(err)) {
          failure ??= err;
          tailer.stop();
        }
      }
      for (const h of hooks) h.dispatch.wake();
    }, OUTCOME_FLUSH_MS);
    for (const h of hooks) {
      h.dispatch.start((err) => {
        failure ??= err;
        tailer.stop();
      });
    }
    reporter.start();
    try {
      telemetry?.reading(null);
      await tailer.run();
      telemetry?.reading(o.once ? 'reading finished (--once: delivering what was read, then exiting)' : 'stopping');
      committer.commit();
      if (o.once && !o.signal.aborted && !failure) {
        for (const h of hooks) h.dispatch.flush();
        await drained(hooks.map((h) => h.dispatch), onChange, o.signal);
        // what a full disk held could not be queued: it is read again by the next run
        if (committer.diskFull()) failure = new LoghookError('LOGHOOK_STATE', `the state disk of ${o.stateDir} is full: records read but not queued will be read again by the next run; free space on it`);
      }
    } finally {
      o.signal.removeEventListener('abort', stop);
      // Each dispatcher says itself what it abandoned after shutdown_timeout.
      await Promise.all(hooks.map((h) => h.dispatch.stop({ timeoutMs: o.shutdownTimeoutMs })));
      clearInterval(flushTimer);
      flushTimer = null;
      try {
        spool.flush();
      } catch (err) {
        failure ??= err;
      }
      reporter.stop();
    }
    if (failure) throw failure;
    const delivered = hooks.reduce((n, h) => n + h.dispatch.totals().delivered, 0);
    const dead = spool.deadCount() - deadBefore;
    const queuedLeft = spool.queues().filter((q) => byName.has(q.hook)).reduce((n, q) => n + q.records, 0);
    // Unread input outweighs queued records: retries will not fix it, the operator must.
    const unread = tailer.unreadable();
    if (o.once && unread.length > 0) log.error(unreadSummary(unread, 'run again: the next run reads them from where they stopped'));
    const exitCode = unread.length > 0 ? ExitCode.input : dead > 0 ? ExitCode.deadLetters : queuedLeft > 0 ? ExitCode.pendingRetries : ExitCode.ok;
    const end = !o.once ? 'stopped' : unread.length > 0 ? 'done for now: some input could not be read' : queuedLeft > 0 ? 'done for now: the rest stays queued for the next run' : 'caught up';
    log.info(end, { delivered, dead, queuedLeft });
    return { exitCode: o.once ? exitCode : ExitCode.ok, delivered, dead, queuedLeft };
  } finally {
    if (flushTimer) clearInterval(flushTimer);
    await telemetry?.close();
    uncap();
    spool.close();
  }
}

type OnChange = (listener: () => void) => () => void;

/** Resolves on any hook's next outcome or after `ms`. */
function nextChange(onChange: OnChange, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    const off = onChange(done);
    function done() {
      clearTimeout(t);
      off();
      resolve();
    }
  });
}

/**
 * --once: everything read has had its attempt. Done when every hook's endpoints are idle or down
 * with a probe made after this point that found them still down (what is left stays queued for
 * the next run), or on a signal.
 */
async function drained(hooks: HookDispatch[], onChange: OnChange, signal: AbortSignal): Promise<void> {
  const probesBefore = hooks.map((h) => h.failedProbes());
  while (!signal.aborted) {
    if (hooks.every((h, i) => h.settledSince(probesBefore[i]!))) return;
    await nextChange(onChange, 200);
  }
}
