// The metrics listener of one `tail` run, wired: the registry, the request meter around each
// hook's sinks, loghook's metrics, readiness, and the server. runTail makes it before the hooks'
// sinks, tells it when reading starts and stops, and starts it once the parts exist.
import type { Sink } from '../deliver/sink.js';
import type { QueueInfo } from '../spool/types.js';
import type { Clock } from '../util/clock.js';
import { MetricsServer, type ListenAddress } from './metrics-server.js';
import { MetricsRegistry } from './prometheus.js';
import { Readiness, type HookHealth } from './readiness.js';
import { RequestMeter } from './request-meter.js';
import type { ListedSegment } from './stream-lag.js';
import { TailMetrics, type MeteredHook } from './tail-metrics.js';

export interface TelemetryOptions {
  listen: ListenAddress;
  /** where the address was set, for the error of a bind that fails ("[metrics] listen in FILE") */
  setting: string;
  /** /readyz fails once every endpoint of a hook has been down this long */
  readyMaxDownMs: number;
}

/** What runTail has, by shape (telemetry imports nothing of the pipeline). */
export interface TelemetryParts {
  tailer: {
    counters: { linesRead: number; segmentsFinished: number };
    listedStreams(): { stream: string; segments: readonly ListedSegment[]; consumed(name: string): boolean }[];
  };
  hooks: readonly MeteredHook[];
  spool: { queues(): QueueInfo[]; oldestQueuedAt(queueId: number): number | null };
  /** why the state dir cannot be used now, null when it can */
  stateProblem(): string | null;
}

/** How often readiness looks at the endpoints between probes. */
const SAMPLE_MS = 1000;

export class TailTelemetry {
  private readonly registry = new MetricsRegistry();
  private readonly meter = new RequestMeter(this.registry);
  private readonly readiness: Readiness;
  private server: MetricsServer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private bytesRead = 0;
  private notReading: string | null = 'starting';

  constructor(
    private readonly o: TelemetryOptions,
    private readonly clock: Clock,
  ) {
    this.readiness = new Readiness(o.readyMaxDownMs);
  }

  /** Hook `hook`'s sink, its requests timed and counted. */
  wrapSink(hook: string, sink: Sink): Sink {
    return this.meter.wrap(hook, sink);
  }

  /** A batch of `bytes` decompressed bytes was read (once per batch, not per record). */
  read(bytes: number): void {
    this.bytesRead += bytes;
  }

  /** The reader runs (null) or why it does not. */
  reading(notReading: string | null): void {
    this.notReading = notReading;
  }

  get url(): string | null {
    return this.server?.url ?? null;
  }

  /** Registers the metrics and listens; throws UsageError naming the setting if it cannot. */
  async start(p: TelemetryParts): Promise<void> {
    const metrics = new TailMetrics(
      {
        hooks: p.hooks,
        read: () => ({ records: p.tailer.counters.linesRead, bytes: this.bytesRead, segments: p.tailer.counters.segmentsFinished }),
        queues: () => p.spool.queues(),
        oldestQueuedAt: (id) => p.spool.oldestQueuedAt(id),
        streams: () => p.tailer.listedStreams(),
        now: () => this.clock.now(),
      },
      this.registry,
    );
    this.registry.processMetrics();
    const health = (): HookHealth[] => p.hooks.map((h) => ({ name: h.name, ...pick(h.dispatch.totals()) }));
    this.server = await MetricsServer.listen(this.o.listen, this.o.setting, {
      metrics: async () => {
        await metrics.refresh();
        return this.registry.text();
      },
      ready: () => this.readiness.verdict({ stateProblem: p.stateProblem(), notReading: this.notReading, hooks: health() }, this.clock.now()),
    });
    this.timer = setInterval(() => this.readiness.sample(health(), this.clock.now()), SAMPLE_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.server?.close();
    this.server = null;
  }
}

function pick(t: { endpoints: number; down: number }): { endpoints: number; down: number } {
  return { endpoints: t.endpoints, down: t.down };
}
