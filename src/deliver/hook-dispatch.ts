// One hook's delivery: one Dispatcher per endpoint (a queue of the spool), each with its own
// order, breaker, retry schedule, misconfiguration guard, connections and backlog, so that an
// endpoint down or slow for days holds up neither the hook's other endpoints nor other hooks.
// `concurrency` is the hook's: requests in flight across its endpoints, shared fairly
// (request-slots.ts); one endpoint alone may use all of it. Endpoints appear as records are
// routed to them (and, at start, for every queue of the hook that holds records).
import type { QueuePort } from './queue-port.js';
import type { Sink } from './sink.js';
import { Dispatcher, type DispatcherOptions, type DispatcherStats } from './dispatcher.js';
import { RequestSlots } from './request-slots.js';
import { systemClock } from '../util/clock.js';
import { HOOK_DEFAULTS } from '../config/defaults.js';

export type EndpointDelivery = Omit<DispatcherOptions, 'sink' | 'queue' | 'slots'>;

export interface HookDispatchOptions {
  hook: string;
  delivery: EndpointDelivery;
  /** the sink of an endpoint ('' is the hook's own url) */
  sinkFor(endpoint: string): Sink;
  queue(queueId: number): QueuePort;
}

export interface EndpointStats extends DispatcherStats {
  queueId: number;
  /** '' for the hook's own url, else the resolved endpoint */
  key: string;
  /** the sink's name for it (secrets masked) */
  name: string;
  /** records committed to it by this run */
  committed: number;
}

interface Endpoint {
  queueId: number;
  endpoint: string;
  sink: Sink;
  d: Dispatcher;
  /** records committed to it by this run */
  committed: number;
  loop: Promise<void> | null;
}

export class HookDispatch {
  private readonly endpoints = new Map<number, Endpoint>();
  private readonly listeners = new Set<() => void>();
  private started = false;
  private flushing = false;
  private failure: ((err: unknown) => void) | null = null;

  /** the hook's concurrency: its endpoints take turns at it (request-slots.ts) */
  private readonly slots: RequestSlots;

  constructor(private readonly o: HookDispatchOptions) {
    this.slots = new RequestSlots(Math.max(1, o.delivery.concurrency ?? HOOK_DEFAULTS.concurrency), o.delivery.clock ?? systemClock);
  }

  get hook(): string {
    return this.o.hook;
  }

  /** Endpoints known to this run. */
  get endpointCount(): number {
    return this.endpoints.size;
  }

  /** The endpoint of queue `queueId`, made (and started, if this is) on first use. */
  ensure(queueId: number, endpoint: string): Dispatcher {
    let e = this.endpoints.get(queueId);
    if (e === undefined) {
      const sink = this.o.sinkFor(endpoint);
      const d = new Dispatcher({ ...this.o.delivery, sink, queue: this.o.queue(queueId), slots: this.slots });
      d.onChange(() => this.changed());
      e = { queueId, endpoint, sink, d, committed: 0, loop: null };
      this.endpoints.set(queueId, e);
      if (this.flushing) d.flush();
      if (this.started) this.run(e);
    }
    return e.d;
  }

  /** The sink of every endpoint is made again (a routes file changed): what is queued goes by the new one. */
  refreshSinks(): void {
    for (const e of this.endpoints.values()) {
      const sink = this.o.sinkFor(e.endpoint);
      e.sink = sink;
      e.d.replaceSink(sink);
    }
  }

  /** Records were committed to queue `queueId`: count them and look at the queue now. */
  committed(queueId: number, endpoint: string, records: number): void {
    const d = this.ensure(queueId, endpoint);
    this.endpoints.get(queueId)!.committed += records;
    d.wake();
  }

  /** Starts every endpoint's loop; `onFailure` hears of a queue that fails (disk full). */
  start(onFailure: (err: unknown) => void): void {
    this.started = true;
    this.failure = onFailure;
    for (const e of this.endpoints.values()) this.run(e);
  }

  wake(): void {
    for (const e of this.endpoints.values()) e.d.wake();
  }

  /** No more records are coming soon: stop waiting for min_batch_size. */
  flush(): void {
    this.flushing = true;
    for (const e of this.endpoints.values()) e.d.flush();
  }

  /** Stops every endpoint; resolves with the requests abandoned after `timeoutMs`. */
  async stop(opts: { timeoutMs: number }): Promise<{ abandonedRequests: number }> {
    const results = await Promise.all(
      [...this.endpoints.values()].map(async (e) => {
        const r = await e.d.stop(opts);
        if (r.abandonedRequests > 0) await e.sink.destroy();
        else await e.sink.close();
        return r.abandonedRequests;
      }),
    );
    return { abandonedRequests: results.reduce((a, b) => a + b, 0) };
  }

  /** Every endpoint idle: nothing due, waiting or in flight. */
  idle(): boolean {
    for (const e of this.endpoints.values()) if (!e.d.idle()) return false;
    return true;
  }

  /**
   * --once is done with this hook: every endpoint is idle, or down with a probe made after
   * `probesBefore` found it still down and nothing in flight (what is left stays queued).
   */
  settledSince(probesBefore: Map<number, number>): boolean {
    for (const e of this.endpoints.values()) {
      if (e.d.idle()) continue;
      const s = e.d.stats();
      const down = s.endpoint !== 'closed' && s.failedProbes > (probesBefore.get(e.queueId) ?? 0) && s.inFlightRequests === 0;
      if (!down) return false;
    }
    return true;
  }

  failedProbes(): Map<number, number> {
    return new Map([...this.endpoints.values()].map((e) => [e.queueId, e.d.stats().failedProbes]));
  }

  /** Records committed by this run to endpoints that are up and not given an outcome yet. */
  outstandingHealthy(): number {
    let n = 0;
    for (const e of this.endpoints.values()) {
      const s = e.d.stats();
      if (s.endpoint !== 'closed') continue;
      n += Math.max(0, e.committed - (s.delivered + s.retried + s.dead + s.expired));
    }
    return n;
  }

  /** Sums over the endpoints. */
  totals(): DispatcherStats & { endpoints: number; down: number } {
    const t = { delivered: 0, retried: 0, dead: 0, expired: 0, inFlightRequests: 0, inFlightRecords: 0, waitingRecords: 0, lastError: null as string | null, endpoint: 'closed' as DispatcherStats['endpoint'], failedProbes: 0, endpoints: 0, down: 0, requestsDone: 0, answered: 0, misconfigured: null as string | null };
    for (const e of this.endpoints.values()) {
      const s = e.d.stats();
      t.delivered += s.delivered;
      t.retried += s.retried;
      t.dead += s.dead;
      t.expired += s.expired;
      t.inFlightRequests += s.inFlightRequests;
      t.inFlightRecords += s.inFlightRecords;
      t.waitingRecords += s.waitingRecords;
      t.failedProbes += s.failedProbes;
      t.requestsDone += s.requestsDone;
      t.answered += s.answered;
      t.misconfigured ??= s.misconfigured;
      if (s.lastError !== null) t.lastError = s.lastError;
      t.endpoints++;
      if (s.endpoint !== 'closed') {
        t.down++;
        t.endpoint = s.endpoint;
      }
    }
    return t;
  }

  endpointStats(): EndpointStats[] {
    return [...this.endpoints.values()].map((e) => ({ ...e.d.stats(), queueId: e.queueId, key: e.endpoint, name: e.sink.endpoint, committed: e.committed }));
  }

  /** Calls `listener` after every outcome of any endpoint; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private run(e: Endpoint): void {
    e.loop ??= e.d.start();
    e.loop.catch((err: unknown) => this.failure?.(err));
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}
