// Rows and requests for sink tests, shaped as the queue and the dispatcher make them: records as
// kumod writes them (compact JSON + "\n"), stable event ids, the request id from hook/event-id.ts.
import type { QueuedRow } from '../../src/spool/types.js';
import type { SinkRequest } from '../../src/deliver/sink.js';
import { eventIdsOf, requestId } from '../../src/hook/event-id.js';

let nextRow = 1;
/** distinct lines by default, so distinct records get distinct event ids */
let nextLine = 0;

/** A queued row holding these records (objects are JSON-encoded; strings are taken as lines). */
export function rowOf(records: readonly (object | string)[], o: { segmentKey?: string; firstLine?: number; attempts?: number } = {}): QueuedRow {
  const lines = records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r) + '\n'));
  const body = Buffer.from(lines.join(''));
  const ends: number[] = [];
  let end = 0;
  for (const l of lines) ends.push((end += Buffer.byteLength(l)));
  const first = o.firstLine ?? nextLine;
  nextLine = Math.max(nextLine, first + lines.length);
  return {
    rowId: nextRow++, queueId: 1, starts: null, stream: 's1', segment: 'seg-1', segmentKey: o.segmentKey ?? '0123456789abcdef',
    lines: Uint32Array.from(lines, (_, i) => first + i), body, ends: Uint32Array.from(ends),
    createdAt: Date.now(), attempts: o.attempts ?? 0, dueAt: 0, disposition: null,
  };
}

/** The request for records [from, to) of `msg` (the whole row by default). */
export function requestOf(msg: QueuedRow, from = 0, to = msg.ends.length, now = Date.now()): SinkRequest {
  const slices = [{ msg, from, to }];
  const eventIds = eventIdsOf(slices);
  return { slices, records: to - from, eventIds, id: requestId(eventIds), attempt: msg.attempts + 1, now, format: 'array' };
}

/** A small KumoMTA-like record. */
export function kumoRecord(n: number, o: { type?: string; tenant?: string; campaign?: string; pad?: number } = {}): Record<string, unknown> {
  const tenant = o.tenant ?? 'acme';
  const campaign = o.campaign ?? 'welcome';
  return {
    type: o.type ?? 'Delivery', id: `msg-${n}`, sender: 'bounce@example.com', recipient: `user${n}@example.net`,
    queue: `${campaign}:${tenant}@example.net`, timestamp: 1_760_000_000 + n, n,
    ...(o.pad ? { pad: 'x'.repeat(o.pad) } : {}),
    nodeid: '557f3ad4-2c8c-11ee-976e-782d7e12e173',
  };
}
