// The compact spelling of a batch's event ids (the `Loghook-Event-Ids` header). A batch's records
// are mostly runs of consecutive lines of one segment, so the list is written as runs:
//
//   list    = item *("," item)
//   item    = [segkey "-"] line [".." line]      ; a run of lines, both ends included
//   segkey  = 16 lower-case hex digits           ; left out: the previous item's segment
//   line    = 1*DIGIT                            ; 0-based line in the segment
//
//   0123456789abcdef-17..116,120,125..130,fedcba9876543210-0..3
//     = lines 17 to 116 and 120 and 125 to 130 of segment 0123456789abcdef, then 0 to 3 of
//       fedcba9876543210: each expands to the event id `<segkey>-<line>` (event-id.ts), in body
//       order. The first item always names its segment.
//
// A run is only ever ascending by one (`from` < `to`); anything else starts a new item. The size
// meter lets a batcher decide, record by record, whether one more still fits a byte budget.
import { eventId, type IdRange } from './event-id.js';

/** Writes the compact list of `ranges`' records, in order. */
export function formatEventIdList(ranges: readonly IdRange[]): string {
  return formatPrefix(ranges, Infinity).text;
}

/**
 * The longest prefix of the list that fits `maxBytes`: its text and how many records it names
 * (the rest are left out). `maxBytes` Infinity gives the whole list.
 */
export function formatPrefix(ranges: readonly IdRange[], maxBytes: number): { text: string; records: number } {
  // Nearly every list fits: written whole first, metered record by record only when it does not.
  const whole = formatWhole(ranges);
  return whole.text.length <= maxBytes ? whole : meteredPrefix(ranges, maxBytes);
}

/** The whole list (ASCII: its length is its bytes). */
function formatWhole(ranges: readonly IdRange[]): { text: string; records: number } {
  let text = '';
  let seg: string | null = null;
  let last = -2;
  let runFrom = -1;
  let records = 0;
  for (const { msg, from: a, to: b } of ranges) {
    const key = msg.segmentKey;
    const lines = msg.lines;
    for (let i = a; i < b; i++) {
      const line = lines[i]!;
      records++;
      if (key === seg && line === last + 1) {
        last = line;
        continue;
      }
      if (runFrom >= 0 && last !== runFrom) text += `..${last}`;
      text += key === seg ? `,${line}` : `${seg === null ? '' : ','}${key}-${line}`;
      seg = key;
      runFrom = last = line;
    }
  }
  if (runFrom >= 0 && last !== runFrom) text += `..${last}`;
  return { text, records };
}

/** The records that fit, found by the meter, written as the whole list of just those. */
function meteredPrefix(ranges: readonly IdRange[], maxBytes: number): { text: string; records: number } {
  const meter = new EventIdListMeter();
  const fitting: IdRange[] = [];
  for (const r of ranges) {
    let i = r.from;
    while (i < r.to && meter.bytesWith(r.msg.segmentKey, r.msg.lines[i]!) <= maxBytes) meter.add(r.msg.segmentKey, r.msg.lines[i++]!);
    if (i > r.from) fitting.push({ msg: r.msg, from: r.from, to: i });
    if (i < r.to) break;
  }
  return formatWhole(fitting);
}

/** Bytes of the compact list of `ranges`' records. */
export function eventIdListBytes(ranges: readonly IdRange[]): number {
  const meter = new EventIdListMeter();
  for (const { msg, from, to } of ranges) for (let i = from; i < to; i++) meter.add(msg.segmentKey, msg.lines[i]!);
  return meter.bytes;
}

/**
 * The size of a list as records are appended, in O(1) per record, without building it. A
 * batcher asks `bytesWith(seg, line)` before it takes a record and `add`s it if it fits.
 */
export class EventIdListMeter {
  /** bytes of the list so far */
  bytes = 0;
  private seg: string | null = null;
  private from = -1;
  private last = -1;

  /** What `bytes` would be after adding this record. */
  bytesWith(segKey: string, line: number): number {
    return this.bytes + this.delta(segKey, line);
  }

  add(segKey: string, line: number): void {
    this.bytes += this.delta(segKey, line);
    if (this.from >= 0 && segKey === this.seg && line === this.last + 1) {
      this.last = line;
      return;
    }
    this.seg = segKey;
    this.from = this.last = line;
  }

  private delta(segKey: string, line: number): number {
    if (this.from >= 0 && segKey === this.seg && line === this.last + 1) {
      // "a" becomes "a..b": the two dots and the new end; "a..b" becomes "a..b+1"
      return this.from === this.last ? 2 + digits(line) : digits(line) - digits(this.last);
    }
    const comma = this.from >= 0 ? 1 : 0;
    const name = segKey === this.seg ? 0 : segKey.length + 1;
    return comma + name + digits(line);
  }
}

/** Expands a compact list into event ids, in order (the reference decoder; tests use it). */
export function parseEventIdList(text: string): string[] {
  const out: string[] = [];
  if (text === '') return out;
  let seg: string | null = null;
  for (const item of text.split(',')) {
    const m = /^(?:([0-9a-f]{16})-)?(\d+)(?:\.\.(\d+))?$/.exec(item.trim());
    if (!m) throw new Error(`Loghook-Event-Ids: "${item}" is not <segkey>-<line>[..<line>] nor <line>[..<line>]`);
    if (m[1]) seg = m[1];
    if (seg === null) throw new Error(`Loghook-Event-Ids: the first item "${item}" names no segment`);
    const from = Number(m[2]);
    const to = m[3] === undefined ? from : Number(m[3]);
    if (to < from) throw new Error(`Loghook-Event-Ids: "${item}" is a descending run`);
    for (let line = from; line <= to; line++) out.push(eventId(seg, line));
  }
  return out;
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : n < 100_000 ? 5 : String(n).length;
}
