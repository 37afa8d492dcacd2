// The replay window: only records with sinceS <= timestamp < untilS go on to the hooks. A batch is
// cut into runs of consecutive lines inside the window, each a LineBatch of its own over the same
// decode buffer (no copy), so each kept record keeps its line number and thus its event id: a
// replay sends the ids tail sent. Timestamps inside a segment are only nearly monotonic, so every
// record is judged, not just the run's ends.
import type { LineBatch } from '../source/types.js';
import { timestampOf } from '../record/timestamp.js';

export interface Window {
  /** unix seconds, inclusive; undefined: from the oldest record */
  sinceS?: number;
  /** unix seconds, exclusive; undefined: to the newest */
  untilS?: number;
}

export interface WindowCounts {
  /** records with a timestamp outside the window */
  outside: number;
  /** lines without a timestamp (not records): never in a window */
  untimed: number;
}

export class RecordWindow {
  readonly counts: WindowCounts = { outside: 0, untimed: 0 };
  private readonly since: number;
  private readonly until: number;

  constructor(w: Window) {
    this.since = w.sinceS ?? -Infinity;
    this.until = w.untilS ?? Infinity;
  }

  /**
   * Hands on the runs of `batch` inside the window, in order. A batch with none in it is handed on
   * as an empty run (count 0): its lines were still consumed, so the checkpoint moves.
   */
  feed(batch: LineBatch, take: (run: LineBatch) => void): void {
    const { buf, bounds, count } = batch;
    let runStart = -1;
    let handed = false;
    for (let i = 0; i <= count; i++) {
      let inside = false;
      if (i < count) {
        const ts = timestampOf(buf, bounds[i]!, bounds[i + 1]!);
        if (ts === undefined) this.counts.untimed++;
        else if (ts < this.since || ts >= this.until) this.counts.outside++;
        else inside = true;
      }
      if (inside && runStart === -1) runStart = i;
      else if (!inside && runStart !== -1) {
        take(i - runStart === count ? batch : sub(batch, runStart, i));
        handed = true;
        runStart = -1;
      }
    }
    if (!handed) take(sub(batch, count, count));
  }
}

function sub(b: LineBatch, from: number, to: number): LineBatch {
  return { segment: b.segment, buf: b.buf, bounds: b.bounds.subarray(from, to + 1), count: to - from, firstLine: b.firstLine + from, bufOffset: b.bufOffset };
}
