// What the tail pipeline needs of each hook, and the hooks the command line and the config file
// describe, built: selection (hook-select.ts), delivery options, and a sink per endpoint.
import type { EndpointDelivery } from '../deliver/hook-dispatch.js';
import type { Sink } from '../deliver/sink.js';
import type { BatchFormat } from '../deliver/batch-body.js';
import { HttpSink } from '../sinks/http/sink.js';
import type { HeaderItem } from '../sinks/http/headers.js';
import type { PolicyOverrides } from '../sinks/http/policy.js';
import { redactUrl, type Logger } from '../telemetry/logger.js';
import type { Clock } from '../util/clock.js';
import type { RouteResult, SelectedHook } from './hook-select.js';

export interface HookRuntime {
  /** unique; names the hook's queues for good */
  name: string;
  /** for logs: where it delivers, secrets masked */
  describe: string;
  select: Omit<SelectedHook, 'name'>;
  delivery: Omit<EndpointDelivery, 'clock' | 'logger' | 'random'>;
  /** the sink of an endpoint: '' is the hook's own url */
  sinkFor(endpoint: string): Sink;
}

export interface HttpHookOptions {
  name: string;
  url: string;
  types?: ReadonlySet<string>;
  includeLogRecord: boolean;
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
  version: string;
  logger: Logger;
  clock: Clock;
  /** per record: its endpoint URL (a template rendered); absent: the hook's url for every record */
  route?: (buf: Buffer, start: number, end: number) => RouteResult;
}

/** An HTTP hook: one endpoint per resolved URL ('' is `url` itself). */
export function httpHook(o: HttpHookOptions): HookRuntime {
  return {
    name: o.name,
    describe: o.name === 'default' ? redactUrl(o.url) : `${o.name} (${redactUrl(o.url)})`,
    select: {
      plain: { ...(o.types ? { types: o.types } : {}), excludeLogRecord: !o.includeLogRecord },
      chunkRecords: Math.max(o.batchSize, 100),
      chunkBytes: o.maxBatchBytes,
      ...(o.route ? { route: o.route } : {}),
    },
    delivery: {
      batchSize: o.batchSize,
      minBatchSize: o.minBatchSize,
      maxBatchLatencyMs: o.maxBatchLatencyMs,
      maxBatchBytes: o.maxBatchBytes,
      batchFormat: o.batchFormat,
      concurrency: o.concurrency,
      retryIntervalMs: o.retryIntervalMs,
      maxRetryIntervalMs: o.maxRetryIntervalMs,
      maxAgeMs: o.maxAgeMs,
    },
    sinkFor: (endpoint) =>
      new HttpSink({
        url: endpoint === '' ? o.url : endpoint,
        version: o.version,
        connections: o.concurrency,
        timeoutMs: o.timeoutMs,
        headers: o.headers,
        policy: o.policy,
        logger: o.logger,
        clock: o.clock,
      }),
  };
}
