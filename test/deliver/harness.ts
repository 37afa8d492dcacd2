// Shared set-up of dispatcher tests: a real receiver, the real HTTP client, a manual clock, a
// seeded random source, the in-memory queue and a logger that keeps what it was told.
import { Dispatcher, type DispatcherOptions } from '../../src/deliver/dispatcher.js';
import type { Sink } from '../../src/deliver/sink.js';
import { HttpSink } from '../../src/sinks/http/sink.js';
import type { HeaderItem } from '../../src/sinks/http/headers.js';
import type { PolicyOverrides } from '../../src/sinks/http/policy.js';
import { captureLogger, type LogLine } from '../helpers/capture-logger.js';
import { ManualClock, seededRandom } from '../helpers/manual-clock.js';
import { Receiver, type ReceiverOptions } from '../helpers/receiver.js';
import { FakeQueue } from './fake-queue.js';

export const T0 = Date.UTC(2025, 5, 1);

export { captureLogger, type LogLine } from '../helpers/capture-logger.js';

export interface Harness {
  rx: Receiver;
  clock: ManualClock;
  queue: FakeQueue;
  sink: HttpSink;
  d: Dispatcher;
  logs: LogLine[];
  close(): Promise<void>;
}

export async function setup(
  opts: Partial<DispatcherOptions> & {
    url?: string;
    headers?: HeaderItem[];
    policy?: PolicyOverrides;
    receiver?: ReceiverOptions;
    timeoutMs?: number;
    userinfo?: string;
    wrap?: (s: Sink) => Sink;
  } = {},
): Promise<Harness> {
  const { receiver, timeoutMs, wrap, userinfo, headers, policy, url: _url, ...rest } = opts;
  const rx = await Receiver.start(receiver);
  const clock = new ManualClock(T0);
  const queue = new FakeQueue();
  const url = opts.url ?? (userinfo ? rx.url.replace('://', `://${userinfo}@`) : rx.url);
  const logs: LogLine[] = [];
  const logger = captureLogger(logs);
  const sink = new HttpSink({ url, version: '9.9.9', connections: opts.concurrency ?? 4, timeoutMs: timeoutMs ?? 5000, logger, clock, ...(headers ? { headers } : {}), ...(policy ? { policy } : {}) });
  const d = new Dispatcher({
    sink: wrap ? wrap(sink) : sink,
    queue,
    clock,
    random: seededRandom(42),
    logger,
    ...rest,
  });
  return {
    rx,
    clock,
    queue,
    sink,
    d,
    logs,
    async close() {
      await d.stop({ timeoutMs: 0 });
      await sink.destroy();
      await rx.close();
    },
  };
}

/** Polls `cond` in real time until it holds; throws after `timeoutMs`. */
export async function until(cond: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Lets real time pass (to show that nothing happens). */
export function settle(ms = 40): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A record like kumod's, small. */
export function record(i: number, pad = 0): object {
  return { type: 'Delivery', id: i.toString(16).padStart(32, '0'), recipient: `r${i}@example.com`, pad: 'p'.repeat(pad) };
}
