// The prom-client adapter: the only import of prom-client. Counters and gauges here are read from
// totals the pipeline keeps anyway, at scrape time (a collect callback), so the hot path never
// touches a metric; only the request-duration histogram is observed as requests end.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Labels = Record<string, string>;

/** Hands one value (and its labels) to the metric being collected; repeated labels add up. */
export type Emit = (value: number, labels?: Labels) => void;

/** Observes one value, in the histogram's unit (seconds). */
export type Observe = (value: number) => void;

export class MetricsRegistry {
  private readonly registry = new Registry();

  /** A counter whose value is read at each scrape, from a total that only grows. */
  counterFrom(name: string, help: string, labelNames: readonly string[], read: (emit: Emit) => void): void {
    new Counter({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      collect(this: Counter) {
        this.reset();
        read((value, labels) => this.inc(labels ?? {}, value));
      },
    });
  }

  /** A gauge whose value is read at each scrape. */
  gaugeFrom(name: string, help: string, labelNames: readonly string[], read: (emit: Emit) => void | Promise<void>): void {
    new Gauge({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      async collect(this: Gauge) {
        this.reset();
        await read((value, labels) => this.inc(labels ?? {}, value));
      },
    });
  }

  /** A histogram; `child(labels)` gives the observe function of one label set (bind it once). */
  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): (labels: Labels) => Observe {
    const h = new Histogram({ name, help, labelNames: [...labelNames], buckets: [...buckets], registers: [this.registry] });
    return (labels) => {
      const child = h.labels(labels);
      return (value) => child.observe(value);
    };
  }

  /** The process's CPU, memory, event loop lag, GC and handles (prom-client's default collectors). */
  processMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Every metric in the Prometheus text format. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
