// Shaping tests' set-up: a hook's shaper (src/body/shaper.ts) in a real HttpSink, posting to a
// real receiver on 127.0.0.1, with requests built from queue rows as the dispatcher builds them.
import type { BatchFormat, BodyConfig } from '../../src/config/schema.js';
import { createBodyShaper } from '../../src/body/shaper.js';
import type { HttpSinkOptions } from '../../src/sinks/http/sink.js';
import type { QueuedRow } from '../../src/spool/types.js';
import { FakeQueue } from '../deliver/fake-queue.js';
import { T0 } from '../deliver/harness.js';
import { requestOf, withSink, plainBody, type SinkEnv } from '../sinks/http/support.js';

export { requestOf, plainBody };

/** A KumoMTA record as kumod writes it (the fields a shaping test looks at). */
export function kumo(i: number, o: { type?: string; tenant?: string } = {}): Record<string, unknown> {
  const tenant = o.tenant ?? 'acme';
  return {
    type: o.type ?? 'Delivery', id: `m${i}`, sender: 'bounce@example.com', recipient: `user${i}@example.net`,
    queue: `welcome:${tenant}@example.net`, site: '', size: 1000 + i,
    response: { code: 250, enhanced_code: { class: 2, subject: 0, detail: 0 }, content: 'OK "quoted" \\ done', command: null },
    timestamp: 1_790_000_000 + i, meta: { tenant, 'a.b': 'dotted', n: i }, headers: { Subject: `hello ${i}` },
    nodeid: 'node-1',
  };
}

/** Rows of kumod records (lines from 0 on, in order). */
export function kumoRows(counts: number[], rec: (i: number) => Record<string, unknown> = kumo): QueuedRow[] {
  const q = new FakeQueue('0123456789abcdef');
  let line = 0;
  return counts.map((n) => {
    const m = q.add(Array.from({ length: n }, (_, i) => rec(line + i)), { firstLine: line, createdAt: T0 });
    line += n;
    return m;
  });
}

/** A sink whose body is shaped by `body` and `format` (as a hook of the config would have it). */
export function withShapedSink(body: BodyConfig, format: BatchFormat, opts: Partial<HttpSinkOptions>, fn: (env: SinkEnv) => Promise<void>): Promise<void> {
  const shaper = createBodyShaper(body, format);
  return withSink({ shaper, ...opts }, fn);
}

export const fields = (list: string[], rename: Record<string, string> = {}, add: Record<string, string> = {}): BodyConfig => ({ mode: 'fields', fields: list, rename, add });
