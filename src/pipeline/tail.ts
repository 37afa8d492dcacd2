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
import { runExit, type HookSummary } from './run-exit.js';
import { emptyDirWarning, emptyLogDirs } from './empty-dirs.js';
import { foreignQueueNotes } from './foreign-queue.js';
import { readRuntime } from './runtime-file.js';
import type { Logger } from '../telemetry/logger.js';
import { capYoungGeneration } from '../util/heap.js';
import type { TelemetryOptions } from '../telemetry/tail-telemetry.js';
import { makePrivate } from '../config/state-dir.js';
import type { Clock, Random } from '../util/clock.js';
import { LoghookError, UsageError, errorMessage, type ExitCodeValue } from '../util/errors.js';
import { isDiskFull } from '../spool/sqlite.js';
import type { StartAt } from '../config/schema.js';
import { startingCheckpoints } from '../source/start-position.js';
import { RecordWindow, type Window, type WindowCounts } from '../replay/window.js';
import { ProgressMeter, bytesToRead, type ProgressView } from '../replay/progress.js';

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
  /** where a state dir's first start (no checkpoint yet) begins reading; default oldest */
  startAt?: StartAt;
  /** replay: only records with a timestamp in the window are queued */
  window?: Window;
  /** progress through what is on disk (with `once`) */
  progress?: ProgressView;
  /** serve /metrics, /healthz and /readyz (README "Metrics and health"); undefined: no listener */
  metrics?: TelemetryOptions;
}

export interface TailResult {
  exitCode: ExitCodeValue;
  delivered: number;
  dead: number;
  queuedLeft: number;
  /** with a window: the records left out */
  window?: WindowCounts;
}

/**
 * Rows committed while the receivers keep up stay in memory (the spool's window): reading waits
 * beyond READ_AHEAD_RECORDS, with room to spare for one commit's overshoot.
 */
const READ_AHEAD_RECORDS = 5000;
/**
 * A hook over many endpoints spreads each commit thin: reading runs further ahead (and commits
 * bigger chunks) so that every endpoint's next request can still fill its batch. Bounded: these
 * are records in the durable queue, held in memory only up to the window.
 */
const READ_AHEAD_MAX_RECORDS = 25_000;
const COMMIT_MAX_RECORDS = 20_000;
/** V8's young generation stops growing here (see util/heap.ts). */
const YOUNG_GENERATION_MB = 8;
/** Up to this many endpoints, the gate sums their outstanding records at every read batch. */
const FRESH_OUTSTANDING_ENDPOINTS = 32;
/** Delivery outcomes are buffered by the queue and committed at least this often. */
const OUTCOME_FLUSH_MS = 100;

interface LiveHook {
  rt: HookRuntime;
  dispatch: HookDispatch;
}

export async function runTail(o: TailOptions): Promise<TailResult> {
  const log = o.logger;
  if (o.hooks.length === 0) throw new UsageError('no hook to deliver to: give --url or a config file with [[hook]] tables');
  const youngCap = capYoungGeneration(YOUNG_GENERATION_MB);
  const targets = await resolveTargets(o.paths);
  const emptyDirs = await emptyLogDirs(targets, o.pattern);
  // the memory window: spool.ts MEMORY_WINDOW
  const spool = Spool.open({ stateDir: o.stateDir, clock: o.clock });
  let flushTimer: NodeJS.Timeout | null = null;
  // prom-client (~11 MB) only for a run that serves metrics
  const telemetry = o.metrics ? new (await import('../telemetry/tail-telemetry.js')).TailTelemetry(o.metrics, o.clock) : null;
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
    // Before the reporter writes this run's runtime.json over the last run's.
    for (const n of foreignQueueNotes(spool, targets, o.hooks, readRuntime(o.stateDir))) log.warn(n.msg, n.fields);
    const fanOut = new FanOut(
      hookSet,
      (hook, endpoint) => {
        const id = spool.queueId(hook, endpoint);
        if (!queueOwner.has(id)) queueOwner.set(id, { hook: byName.get(hook)!, endpoint });
        return id;
      },
    );
    const baseCommit = Math.max(2000, ...o.hooks.map((h) => (h.delivery.batchSize ?? 1) * (h.delivery.concurrency ?? 1)));
    // endpoints × batch: what it takes for every endpoint to fill a batch (re-counted as endpoints appear)
    const spread = () => hooks.reduce((n, h) => n + h.dispatch.endpointCount * (h.rt.delivery.batchSize ?? 1), 0);
    let commitRecords = baseCommit;
    let readAhead = READ_AHEAD_RECORDS;
    let spreadAt = -Infinity;
    const resize = () => {
      const t = performance.now();
      if (t - spreadAt < 100) return;
      spreadAt = t;
      const n = spread();
      // Half a batch per endpoint and commit: each commit makes a row per endpoint, and a row
      // costs its insert and delete whatever it holds (with a fifth of a batch, four hooks, one
      // over 100 endpoints, spent 1.19x one hook's CPU per delivery in `npm run bench -- hooks`;
      // with half, 0.88x). Reading runs a commit ahead and more, so a commit never waits for the
      // one before to be delivered.
      commitRecords = Math.min(COMMIT_MAX_RECORDS, Math.max(baseCommit, Math.ceil(n / 2)));
      readAhead = Math.min(READ_AHEAD_MAX_RECORDS, Math.max(READ_AHEAD_RECORDS, n));
    };
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
    const endpointsInUse = () => hooks.reduce((n, h) => n + h.dispatch.endpointCount, 0);
    const onChange = (listener: () => void): (() => void) => {
      const offs = hooks.map((h) => h.dispatch.onChange(listener));
      return () => offs.forEach((off) => off());
    };
    const gate = new Gate(
      {
        counts: () => spool.counts(),
        outstanding: () => {
          // A sum over every endpoint: with a thousand of them, not on every batch. With a few,
          // always fresh: a stale sum kept reading paused for up to 20 ms after delivery had
          // made room, and held one hook at batch 100 to 61k records/s (114k fresh).
          const t = performance.now();
          if (t - outstandingAt >= (endpointsInUse() > FRESH_OUTSTANDING_ENDPOINTS ? 20 : 0)) {
            outstandingAt = t;
            outstanding = hooks.reduce((n, h) => n + h.dispatch.outstandingHealthy(), 0);
          }
          return outstanding;
        },
        receiverHealthy: () => true,
        changed: (ms) => nextChange(onChange, ms),
        diskFull: () => committer.diskFull(),
        pending: () => ({ records: fanOut.pendingCount, bytes: fanOut.pendingBytes }),
        commit: () => void committer.commit(),
      },
      { maxQueueRecords: o.maxQueueRecords, maxQueueBytes: o.maxQueueBytes, readAheadRecords: () => readAhead, logger: log, signal: o.signal },
    );
    const checkpoints = await startingCheckpoints(spool.loadCheckpoints(), o.startAt, {
      targets, maxLineBytes: o.maxLineBytes, logger: log, commit: (c) => spool.commit([], c), ...(o.pattern ? { pattern: o.pattern } : {}),
    });
    const window = o.window ? new RecordWindow(o.window) : null;
    const tailer: Tailer = new Tailer({
      targets,
      follow: !o.once,
      checkpoints,
      logger: log,
      recycleBuffers: true, // the fan-out copies kept records before onBatch returns
      maxLineBytes: o.maxLineBytes,
      ...(o.pattern ? { pattern: o.pattern } : {}),
      ...(o.pollMs !== undefined ? { rescanMs: o.pollMs, usePolling: true } : {}),
      ...(o.window?.sinceS !== undefined ? { sinceMs: o.window.sinceS * 1000 } : {}),
      onBatch: async (b) => {
        youngCap.check();
        telemetry?.read(b.bounds[b.count]! - b.bounds[0]!);
                if (window) window.feed(b, (run) => fanOut.add(run));
        else fanOut.add(b);
        resize();
        if (fanOut.pendingCount >= commitRecords) committer.commit();
        await gate.room();
      },
      onIdle: () => void committer.commit(),
    });
    const reported: ReportedHook[] = hooks.map((h, i) => ({ name: h.rt.name, describe: h.rt.describe, counts: hookSet.counts[i]!, dispatch: h.dispatch, queued: () => fanOut.queued[i]! }));
    const reporter = new Reporter({ stateDir: o.stateDir, once: o.once, version: o.version, intervalMs: o.summaryIntervalMs, logger: log, clock: o.clock, tailer, hooks: reported, spool, gate, emptyDirs });
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
    for (const dir of emptyDirs) log.warn(emptyDirWarning(dir));
    log.info(`${o.version}: ${o.once ? 'catching up' : 'following'} ${targets.map((t) => t.path).join(', ')} -> ${hooks.map((h) => h.rt.describe).join(', ')}`, {
      stateDir: o.stateDir,
      queued: spool.counts().records,
    });

    const stop = () => tailer.stop();
    o.signal.addEventListener('abort', stop, { once: true });
    // A failing queue stops the run instead of leaving the reader running blind; a full disk
    // does not (the outcomes wait in memory and are written once there is room). It ends the
    // --once drain too: a dispatcher whose queue failed never goes idle (issue 10 §3: a damaged
    // queue.db left `tail --once` waiting forever, holding the lock).
    let failure: unknown = null;
    const failed = new AbortController();
    const fail = (err: unknown) => {
      failure ??= err;
      tailer.stop();
      failed.abort();
    };
    // Retries become rows with due times only when written: wake the dispatchers to see them.
    flushTimer = setInterval(() => {
      try {
        spool.flush();
      } catch (err) {
        if (!isDiskFull(err)) fail(err);
      }
      for (const h of hooks) h.dispatch.wake();
    }, OUTCOME_FLUSH_MS);
    for (const h of hooks) h.dispatch.start(fail);
    reporter.start(fail);
    const progress = o.progress ? await startProgress(o.progress, { targets, pattern: o.pattern, checkpoints, tailer, hooks, fanOut, clock: o.clock }) : null;
    try {
      telemetry?.reading(null);
      await tailer.run();
      progress?.meter.endOfInput();
      telemetry?.reading(o.once ? 'reading finished (--once: delivering what was read, then exiting)' : 'stopping');
      committer.commit();
      if (o.once && !o.signal.aborted && !failure) {
        for (const h of hooks) h.dispatch.flush();
        await everyAttemptMade(hooks.map((h) => h.dispatch), onChange, AbortSignal.any([o.signal, failed.signal]));
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
      try {
        reporter.stop();
      } catch (err) {
        failure ??= err;
      }
      progress?.stop();
    }
    if (failure) throw failure;
    const delivered = hooks.reduce((n, h) => n + h.dispatch.totals().delivered, 0);
    const dead = spool.deadCount() - deadBefore;
    const queuedLeft = spool.queues().filter((q) => byName.has(q.hook)).reduce((n, q) => n + q.records, 0);
    // Unread input outweighs queued records: retries will not fix it, the operator must.
    const unread = tailer.unreadable();
    if (o.once && unread.length > 0) log.error(unreadSummary(unread, 'run again: the next run reads them from where they stopped'));
    const ended = runExit({ once: o.once, interrupted: o.signal.aborted ? signalName(o.signal) : null, unreadable: unread.length, stateDir: o.stateDir, queuedLeft, hooks: hookSummaries(hooks, spool) });
    for (const n of ended.notes) log[n.level](n.msg, n.fields);
    const read = tailer.counters.linesRead;
    const filtered = hookSet.counts.reduce((n, c) => n + c.filtered, 0);
    const unrouted = hookSet.counts.reduce((n, c) => n + c.unrouted, 0);
    log.info(ended.end, { read, delivered, dead, queuedLeft, filtered, unrouted, ...(window ? { outsideWindow: window.counts.outside, untimed: window.counts.untimed } : {}) });
    return { exitCode: ended.exitCode, delivered, dead, queuedLeft, ...(window ? { window: window.counts } : {}) };
  } finally {
    if (flushTimer) clearInterval(flushTimer);
    await telemetry?.close();
    youngCap.stop();
    spool.close();
  }
}

/** What each hook's endpoints did in this run, for the exit code. */
function hookSummaries(hooks: LiveHook[], spool: Spool): HookSummary[] {
  const backlog = new Map(spool.queues().map((q) => [q.id, q.records]));
  return hooks.map((h) => {
    const t = h.dispatch.totals();
    return {
      name: h.rt.name,
      dead: t.dead + t.expired,
      endpoints: h.dispatch.endpointStats().map((e) => ({ name: e.name, backlog: backlog.get(e.queueId) ?? 0, requestsDone: e.requestsDone, answered: e.answered, misconfigured: e.misconfigured, lastError: e.lastError })),
    };
  });
}

/** main.ts aborts with the signal's name as the reason. */
function signalName(signal: AbortSignal): string {
  return typeof signal.reason === 'string' && signal.reason.startsWith('SIG') ? signal.reason : '';
}

interface ProgressParts {
  targets: Awaited<ReturnType<typeof resolveTargets>>;
  pattern: RegExp | undefined;
  checkpoints: Map<string, string>;
  tailer: Tailer;
  hooks: LiveHook[];
  fanOut: FanOut;
  clock: Clock;
}

/**
 * Feeds the view every `everyMs`. A record is done when read and no hook still holds it: read
 * minus the most any hook has queued in this run and not yet settled.
 */
async function startProgress(view: ProgressView, p: ProgressParts): Promise<{ meter: ProgressMeter; stop(): void } | null> {
  const bytes = await bytesToRead(p.targets, p.pattern, p.checkpoints);
  if (bytes < (view.minInputBytes ?? 0)) return null;
  const meter = new ProgressMeter(bytes, () => p.clock.now());
  const counts = () => {
    let open = 0;
    let delivered = 0;
    p.hooks.forEach((h, i) => {
      const t = h.dispatch.totals();
      delivered += t.delivered;
      open = Math.max(open, p.fanOut.queued[i]! - t.delivered - t.dead - t.expired);
    });
    const read = p.tailer.counters.linesRead;
    return { read, done: Math.max(0, read - open), delivered, bytesRead: p.tailer.counters.bytesRead };
  };
  view.update(meter.snapshot(counts()));
  const timer = setInterval(() => view.update(meter.snapshot(counts())), view.everyMs);
  timer.unref();
  return {
    meter,
    stop() {
      clearInterval(timer);
      view.stop(meter.snapshot(counts()));
    },
  };
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
async function everyAttemptMade(hooks: HookDispatch[], onChange: OnChange, signal: AbortSignal): Promise<void> {
  const probesBefore = hooks.map((h) => h.failedProbes());
  while (!signal.aborted) {
    if (hooks.every((h, i) => h.settledSince(probesBefore[i]!))) return;
    await nextChange(onChange, 200);
  }
}
