// loghook's metrics of a running tail: their names, labels and where each value comes from. All
// of them are read at scrape time from what the pipeline counts anyway (the reader's counters,
// each hook's selection counts and delivery totals, the spool's queue counters), once per scrape
// into a snapshot that every collector reads. README "Metrics and health" lists them.
import type { EndpointStats } from '../deliver/hook-dispatch.js';
import type { DispatcherStats } from '../deliver/dispatcher.js';
import type { QueueInfo } from '../spool/types.js';
import { EndpointLabels, endpointName } from './endpoint-labels.js';
import type { Emit, MetricsRegistry } from './prometheus.js';
import { streamLagOnDisk, type ListedSegment } from './stream-lag.js';

export interface MeteredHook {
  name: string;
  counts: { filtered: number; unrouted: number; invalid: number };
  /** records queued for it by this run */
  queued(): number;
  dispatch: { totals(): DispatcherStats & { endpoints: number; down: number }; endpointStats(): EndpointStats[] };
}

export interface TailMetricsSource {
  hooks: readonly MeteredHook[];
  /** lines read, decompressed bytes of them, segments read to their end */
  read(): { records: number; bytes: number; segments: number };
  queues(): QueueInfo[];
  oldestQueuedAt(queueId: number): number | null;
  streams(): { stream: string; segments: readonly ListedSegment[]; consumed(name: string): boolean }[];
  now(): number;
}

/** The breaker's states in an operator's words, as `status` says them. */
export const ENDPOINT_STATES = { closed: 'healthy', open: 'down', probing: 'probing' } as const;

const OUTCOMES = ['queued', 'delivered', 'retried', 'dead', 'expired'] as const;
type Outcome = (typeof OUTCOMES)[number];
type Tally = Record<Outcome, number>;

interface Snapshot {
  hooks: { name: string; tally: Tally; endpoints: Map<string, Tally & { states: Record<string, number> }> }[];
  queues: Map<string, { records: number; bytes: number; oldestAt: number | null }>;
  lags: { stream: string; seconds: number }[];
  now: number;
}

const emptyTally = (): Tally => ({ queued: 0, delivered: 0, retried: 0, dead: 0, expired: 0 });

export class TailMetrics {
  private snap: Snapshot = { hooks: [], queues: new Map(), lags: [], now: 0 };
  private readonly labels = new Map<string, EndpointLabels>();

  constructor(
    private readonly src: TailMetricsSource,
    r: MetricsRegistry,
  ) {
    const read = () => src.read();
    r.counterFrom('loghook_records_read_total', 'Records (lines) read from the segments.', [], (emit) => emit(read().records));
    r.counterFrom('loghook_read_bytes_total', 'Decompressed bytes of the records read.', [], (emit) => emit(read().bytes));
    r.counterFrom('loghook_segments_read_total', 'Segments read to their end.', [], (emit) => emit(read().segments));
    r.counterFrom('loghook_records_invalid_total', 'Lines that are not a KumoMTA record (skipped).', [], (emit) => emit(src.hooks[0]?.counts.invalid ?? 0));
    r.counterFrom('loghook_records_filtered_total', 'Records a hook did not take (types, include_log_record, [hook.match]).', ['hook'], (emit) => {
      for (const h of src.hooks) emit(h.counts.filtered, { hook: h.name });
    });
    r.counterFrom('loghook_records_unrouted_total', 'Records a hook took but had no endpoint for (no route, no default_url).', ['hook'], (emit) => {
      for (const h of src.hooks) emit(h.counts.unrouted, { hook: h.name });
    });
    for (const o of OUTCOMES) {
      r.counterFrom(`loghook_records_${o}_total`, `Records ${describe(o)}, per hook.`, ['hook'], (emit) => {
        for (const h of this.snap.hooks) emit(h.tally[o], { hook: h.name });
      });
      r.counterFrom(`loghook_endpoint_records_${o}_total`, `Records ${describe(o)}, per hook and endpoint (the first 100 endpoints of a hook; the rest summed as endpoint="other").`, ['hook', 'endpoint'], (emit) => {
        for (const h of this.snap.hooks) for (const [endpoint, t] of h.endpoints) emit(t[o], { hook: h.name, endpoint });
      });
    }
    r.gaugeFrom('loghook_endpoint_state', 'Endpoint state: 1 for the state it is in (healthy, down, probing); for endpoint="other", how many are in each.', ['hook', 'endpoint', 'state'], (emit) => {
      for (const h of this.snap.hooks) for (const [endpoint, t] of h.endpoints) for (const [state, n] of Object.entries(t.states)) emit(n, { hook: h.name, endpoint, state });
    });
    r.gaugeFrom('loghook_endpoints', 'Endpoints of a hook, per state.', ['hook', 'state'], (emit) => {
      for (const h of this.snap.hooks) {
        const by: Record<string, number> = { healthy: 0, down: 0, probing: 0 };
        for (const t of h.endpoints.values()) for (const [state, n] of Object.entries(t.states)) by[state] = (by[state] ?? 0) + n;
        for (const [state, n] of Object.entries(by)) emit(n, { hook: h.name, state });
      }
    });
    const perQueue = (f: (q: { records: number; bytes: number; oldestAt: number | null }) => number | null) => (emit: Emit) => {
      for (const [hook, q] of this.snap.queues) {
        const v = f(q);
        if (v !== null) emit(v, { hook });
      }
    };
    r.gaugeFrom('loghook_queue_records', 'Records queued on disk for a hook (all its endpoints, earlier runs included).', ['hook'], perQueue((q) => q.records));
    r.gaugeFrom('loghook_queue_bytes', 'Bytes of the records queued for a hook.', ['hook'], perQueue((q) => q.bytes));
    r.gaugeFrom('loghook_queue_oldest_age_seconds', 'Age of the oldest record queued for a hook (0 when its queue is empty).', ['hook'], perQueue((q) => (q.oldestAt === null ? 0 : Math.max(0, this.snap.now - q.oldestAt) / 1000)));
    r.gaugeFrom('loghook_stream_lag_seconds', "How much older the records at a stream's checkpoint are than the newest on disk (a lower bound, to within one segment).", ['stream'], (emit) => {
      for (const l of this.snap.lags) emit(l.seconds, { stream: l.stream });
    });
  }

  /** Reads every value once; call before each scrape. */
  async refresh(): Promise<void> {
    const src = this.src;
    const hooks = src.hooks.map((h) => {
      const t = h.dispatch.totals();
      const tally: Tally = { queued: h.queued(), delivered: t.delivered, retried: t.retried, dead: t.dead, expired: t.expired };
      return { name: h.name, tally, endpoints: this.endpointsOf(h) };
    });
    const queues = new Map<string, { records: number; bytes: number; oldestAt: number | null }>();
    for (const h of src.hooks) queues.set(h.name, { records: 0, bytes: 0, oldestAt: null });
    for (const q of src.queues()) {
      const sum = queues.get(q.hook) ?? { records: 0, bytes: 0, oldestAt: null };
      if (!queues.has(q.hook) && q.records === 0) continue; // a removed hook's empty queue says nothing
      queues.set(q.hook, sum);
      sum.records += q.records;
      sum.bytes += q.bytes;
      if (q.records === 0) continue;
      const at = src.oldestQueuedAt(q.id);
      if (at !== null && (sum.oldestAt === null || at < sum.oldestAt)) sum.oldestAt = at;
    }
    const lags: Snapshot['lags'] = [];
    for (const s of src.streams()) {
      const ms = await streamLagOnDisk(s.segments, s.consumed);
      if (ms !== null) lags.push({ stream: s.stream, seconds: ms / 1000 });
    }
    this.snap = { hooks, queues, lags, now: src.now() };
  }

  private endpointsOf(h: MeteredHook): Map<string, Tally & { states: Record<string, number> }> {
    let labels = this.labels.get(h.name);
    if (labels === undefined) this.labels.set(h.name, (labels = new EndpointLabels()));
    const out = new Map<string, Tally & { states: Record<string, number> }>();
    for (const e of h.dispatch.endpointStats()) {
      const label = labels.label(endpointName(e.key, e.name));
      let t = out.get(label);
      if (t === undefined) out.set(label, (t = { ...emptyTally(), states: { healthy: 0, down: 0, probing: 0 } }));
      t.queued += e.committed;
      t.delivered += e.delivered;
      t.retried += e.retried;
      t.dead += e.dead;
      t.expired += e.expired;
      t.states[ENDPOINT_STATES[e.endpoint]]! += 1;
    }
    return out;
  }
}

function describe(o: Outcome): string {
  return {
    queued: 'queued (committed to the spool with the checkpoint)',
    delivered: 'delivered (the receiver accepted them)',
    retried: 'given another attempt later (one count per failed attempt)',
    dead: 'dead-lettered on a final answer',
    expired: 'dead-lettered because older than max_age',
  }[o];
}
