// Shared pieces of the start position and replay tests: records with chosen timestamps, in real
// segments, and what a receiver got back as timestamps and event ids.
import { createRecordGenerator, segmentName } from '../helpers/records.js';
import { SegmentWriter } from '../helpers/segment-writer.js';
import type { Receiver } from '../helpers/receiver.js';
import { bodyLines } from '../integration/tail-support.js';

/** The base of the tests' clock: segment names and timestamps count from here (unix seconds). */
export const T0 = Date.parse('2026-11-01T00:00:00Z') / 1000;

/** `n` publishable record lines with timestamps T0+from, T0+from+1, ... */
export function timedLines(from: number, n: number, seed = 1): string[] {
  const g = createRecordGenerator({ seed });
  const out: string[] = [];
  while (out.length < n) {
    const r = g.next();
    if (r.reception_protocol === 'LogRecord') continue;
    r.timestamp = T0 + from + out.length;
    out.push(JSON.stringify(r) + '\n');
  }
  return out;
}

/** A segment named T0+atS, holding `lines`; finished unless `live` (then its blocks are on disk and it stays writable). */
export function segmentAt(dir: string, atS: number, lines: string[], live = false): SegmentWriter {
  const w = SegmentWriter.create(dir, segmentName((T0 + atS) * 1000));
  for (const l of lines) w.write(l);
  if (live) w.flushBlock();
  else w.finish();
  return w;
}

/** Timestamps (relative to T0) of every record the receiver got, sorted. */
export function receivedTimes(rx: Receiver): number[] {
  return rx.requests
    .flatMap((r) => bodyLines(r.body, r.headers['content-type']))
    .map((l) => (JSON.parse(l) as { timestamp: number }).timestamp - T0)
    .sort((a, b) => a - b);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
