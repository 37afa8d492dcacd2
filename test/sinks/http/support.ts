// Shared set-up of the HTTP sink tests: SinkRequests built from queue rows (as the dispatcher
// builds them), a sink with a capture logger and a manual clock, and a receiver that is closed
// after the test.
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { createDecoder } from '../../../src/source/zstd.js';
import type { QueuedRow } from '../../../src/spool/types.js';
import type { SinkRequest } from '../../../src/deliver/sink.js';
import type { BatchFormat } from '../../../src/deliver/batch-body.js';
import { eventIdsOf, requestId } from '../../../src/hook/event-id.js';
import { HttpSink, type HttpSinkOptions } from '../../../src/sinks/http/sink.js';
import { FakeQueue } from '../../deliver/fake-queue.js';
import { captureLogger, record, T0, type LogLine } from '../../deliver/harness.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { Receiver, type ReceivedRequest, type ReceiverOptions } from '../../helpers/receiver.js';

export { T0, record };

/** A request of whole rows, in order. */
export function requestOf(msgs: readonly QueuedRow[], opts: { attempt?: number; now?: number; format?: BatchFormat } = {}): SinkRequest {
  const slices = msgs.map((msg) => ({ msg, from: 0, to: msg.ends.length }));
  const eventIds = eventIdsOf(slices);
  return {
    slices, records: eventIds.length, eventIds, id: requestId(eventIds), attempt: opts.attempt ?? 1,
    now: opts.now ?? T0, format: opts.format ?? 'array',
  };
}

/** Rows of `n` small records each, from one segment, lines from `firstLine` on. */
export function rowsOf(counts: number[], opts: { segmentKey?: string; firstLine?: number; pad?: number } = {}): QueuedRow[] {
  const q = new FakeQueue(opts.segmentKey ?? '0123456789abcdef');
  let line = opts.firstLine ?? 0;
  return counts.map((n) => {
    const m = q.add(Array.from({ length: n }, (_, i) => record(line + i, opts.pad ?? 0)), { firstLine: line, createdAt: T0 });
    line += n;
    return m;
  });
}

export interface SinkEnv {
  rx: Receiver;
  sink: HttpSink;
  logs: LogLine[];
  clock: ManualClock;
}

/** Runs `fn` with a receiver and a sink to it; both are closed after. */
export async function withSink(
  opts: Partial<HttpSinkOptions> & { receiver?: ReceiverOptions; path?: string },
  fn: (env: SinkEnv) => Promise<void>,
): Promise<void> {
  const { receiver, path, ...sinkOpts } = opts;
  const rx = await Receiver.start(receiver);
  const logs: LogLine[] = [];
  const clock = (sinkOpts.clock as ManualClock | undefined) ?? new ManualClock(T0);
  let sink: HttpSink | null = null;
  try {
    sink = new HttpSink({
      url: rx.url.replace('/hook', path ?? '/hook'), version: '9.9.9', connections: 2, timeoutMs: 5000,
      logger: captureLogger(logs), clock, ...sinkOpts,
    });
    await fn({ rx, sink, logs, clock });
  } finally {
    await sink?.destroy();
    await rx.close();
  }
}

/** The body as the receiver's application reads it: Content-Encoding undone. */
export function plainBody(r: Pick<ReceivedRequest, 'headers' | 'body'>): Buffer {
  const enc = r.headers['content-encoding'];
  if (enc === 'gzip') return gunzipSync(r.body);
  if (enc === 'zstd') {
    const d = createDecoder('fzstd');
    let out = Buffer.alloc(Math.max(1024, r.body.length * 16));
    let produced = 0;
    let src = r.body;
    for (;;) {
      const step = d.decode(src, out, produced);
      produced += step.produced;
      src = src.subarray(step.consumed);
      if (produced < out.length && src.length === 0 && step.produced === 0) break;
      if (produced === out.length) out = Buffer.concat([out, Buffer.alloc(out.length)]);
    }
    assert.ok(d.finish(), 'one whole zstd frame');
    return out.subarray(0, produced);
  }
  assert.equal(enc, undefined, `unexpected Content-Encoding ${String(enc)}`);
  return r.body;
}
