// A request's body from its records, each shaped by a RecordShaper (raw, fields or template):
//   array     one record: the record alone; more: [r1,r2,...]
//   ndjson    the records one per line, each ending in "\n"
//   envelope  {"batch_id":"<webhook-id>","events":[{"id":"<event id>","record":<r>},...]},
//             one record too: a receiver reads one shape, and each event id travels in the body
// A record the shaper cannot shape (a template error, a line that is not JSON) stops the build:
// the caller learns which record, by its place in the body, and why (shaper.ts decides what then).
import { recordStart } from '../spool/types.js';
import type { RowSlice } from '../deliver/batch-body.js';
import { BodyWriter, ShapeError, type RecordShaper } from './writer.js';

export type ShapedFormat = 'array' | 'ndjson' | 'envelope';

export interface BatchInput {
  slices: readonly RowSlice[];
  records: number;
  /** in body order */
  eventIds: readonly string[];
  /** the request's webhook-id (a broker message's id) */
  id: string;
}

export type BuiltBody = { ok: true; body: Buffer } | { ok: false; index: number; eventId: string; reason: string };

// text, not bytes: joined with a template's output, they are encoded once (writer.ts)
const NL = '\n';
const EVENT_OPEN = '{"id":"';
const EVENT_RECORD = '","record":';

export function buildBody(req: BatchInput, shaper: RecordShaper, format: ShapedFormat, alloc?: (size: number) => Buffer, writer?: BodyWriter): BuiltBody {
  // sized for the records as they are (an envelope adds its ids): most bodies never grow it
  let hint = 64;
  for (const { msg, from, to } of req.slices) if (to > from) hint += msg.ends[to - 1]! - recordStart(msg, from);
  if (format === 'envelope') hint += req.records * 96;
  const w = writer ?? new BodyWriter(hint);
  w.begin(hint);
  const bracket = format === 'array' && req.records > 1;
  if (bracket) w.text('[');
  if (format === 'envelope') w.text(`{"batch_id":${JSON.stringify(req.id)},"events":[`);
  let k = 0;
  for (const { msg, from, to } of req.slices) {
    for (let i = from; i < to; i++, k++) {
      const start = recordStart(msg, i);
      let end = msg.ends[i]!;
      // kumod's trailing newline (and a CR before it) is the line's, not the record's
      if (end > start && msg.body[end - 1] === 0x0a) end--;
      if (end > start && msg.body[end - 1] === 0x0d) end--;
      if (k > 0 && format !== 'ndjson') w.text(',');
      if (format === 'envelope') {
        // event ids are [0-9a-f-]: nothing to escape
        w.text(EVENT_OPEN + req.eventIds[k]! + EVENT_RECORD);
      }
      try {
        shaper.write(w, msg.body, start, end);
      } catch (err) {
        if (!(err instanceof ShapeError)) throw err;
        return { ok: false, index: k, eventId: req.eventIds[k]!, reason: err.message };
      }
      if (format === 'envelope') w.text('}');
      else if (format === 'ndjson') w.text(NL);
    }
  }
  if (bracket) w.text(']');
  if (format === 'envelope') w.text(']}');
  return { ok: true, body: w.finish(alloc) };
}
