// A record's `timestamp` (unix seconds) read from its line's bytes, for the start position and the
// replay window, which judge every record by it. A full JSON.parse per record would cost replay
// most of its speed; in kumod's compact form (serde writes the struct's fields in order, "type"
// first) the first `"timestamp":` of a line is the top-level field: the objects before it
// (response, peer_address) have no such key, and meta and headers come after it. Anything else
// is parsed.
import { compactTypeEnd } from './classify.js';
import { RecordView } from './view.js';

const NEEDLE = Buffer.from('"timestamp":');
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** The timestamp of the record `buf[start, end)`, or undefined when it is no record or has none. */
export function timestampOf(buf: Buffer, start: number, end: number): number | undefined {
  if (compactTypeEnd(buf, start, end) !== -1) {
    const at = buf.indexOf(NEEDLE, start);
    if (at !== -1 && at < end) {
      const v = numberAt(buf, at + NEEDLE.length, end);
      if (v !== undefined) return v;
    }
  }
  const ts = new RecordView(buf, start, end).record()?.timestamp;
  return typeof ts === 'number' && Number.isFinite(ts) ? ts : undefined;
}

/** A plain non-negative decimal (digits, optionally a fraction) ending in `,` or `}`; else undefined. */
function numberAt(buf: Buffer, from: number, end: number): number | undefined {
  let i = from;
  let n = 0;
  while (i < end && buf[i]! >= ZERO && buf[i]! <= NINE) n = n * 10 + (buf[i++]! - ZERO);
  if (i === from) return undefined;
  if (buf[i] === DOT) {
    const fracStart = ++i;
    while (i < end && buf[i]! >= ZERO && buf[i]! <= NINE) i++;
    if (i === fracStart) return undefined;
    n = Number(buf.toString('latin1', from, i));
  }
  const c = buf[i];
  return c === 0x2c || c === 0x7d ? n : undefined;
}
