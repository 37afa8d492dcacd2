// Times each request a hook's sink sends and counts its answer by class: a Sink that wraps the
// real one (the delivery engine never knows). One observation and one increment per request,
// not per record.
import type { Sink, SinkOutcome, SinkRequest } from '../deliver/sink.js';
import type { Emit, MetricsRegistry, Observe } from './prometheus.js';

/** Seconds: from a local receiver's milliseconds to a slow one's timeout. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The `class` label of an answer: `2xx` delivered (for a broker: its ack), `3xx`/`4xx`/`5xx` an
 * HTTP status, else the failure kind (`unreachable`, `timeout`, `transient`, `rejected`,
 * `too-large`, `config`): a closed set, whatever the receiver says.
 */
export function answerClass(o: SinkOutcome): string {
  if (o.verdict === 'delivered') return '2xx';
  const m = /^status:(\d)\d\d$/.exec(o.failureKey);
  if (m) return `${m[1]}xx`;
  return o.kind ?? 'transient';
}

interface HookMeter {
  observe: Observe;
  answers: Map<string, number>;
}

export class RequestMeter {
  private readonly hooks = new Map<string, HookMeter>();
  private readonly histogram: (labels: { hook: string }) => Observe;

  constructor(registry: MetricsRegistry) {
    this.histogram = registry.histogram('loghook_request_duration_seconds', 'Time from sending a request to its answer (or failure), per hook.', ['hook'], DURATION_BUCKETS);
    registry.counterFrom('loghook_responses_total', 'Requests answered, per hook and answer class (2xx delivered, 3xx/4xx/5xx an HTTP status, else the failure kind).', ['hook', 'class'], (emit) => this.emitAnswers(emit));
  }

  /** `sink`, timed and counted as hook `hook`'s. */
  wrap(hook: string, sink: Sink): Sink {
    const m = this.of(hook);
    const wrapped: Sink = {
      get endpoint() {
        return sink.endpoint;
      },
      send(req: SinkRequest): Promise<SinkOutcome> {
        const t0 = performance.now();
        return sink.send(req).then((out) => {
          m.observe((performance.now() - t0) / 1000);
          const c = answerClass(out);
          m.answers.set(c, (m.answers.get(c) ?? 0) + 1);
          return out;
        });
      },
      close: () => sink.close(),
      destroy: () => sink.destroy(),
    };
    if (sink.maxEventIdHeaderBytes !== undefined) Object.defineProperty(wrapped, 'maxEventIdHeaderBytes', { get: () => sink.maxEventIdHeaderBytes });
    return wrapped;
  }

  private of(hook: string): HookMeter {
    let m = this.hooks.get(hook);
    if (m === undefined) this.hooks.set(hook, (m = { observe: this.histogram({ hook }), answers: new Map() }));
    return m;
  }

  private emitAnswers(emit: Emit): void {
    for (const [hook, m] of this.hooks) for (const [c, n] of m.answers) emit(n, { hook, class: c });
  }
}
