// How far a run through history (`replay`, a long `tail --once`) has got: records done of an
// estimated total, the rate and the time left. The total is estimated from compressed sizes: the
// bytes of the segments still to read at start, times the records per compressed byte read so
// far (kumod's segments compress alike). A record is done once every hook has settled it
// (delivered, dead-lettered) or it was not for any hook (filtered, outside the window).
import { stat } from 'node:fs/promises';
import { listSegments, type Target } from '../source/discovery.js';
import { StreamProgress } from '../source/progress.js';

export interface ProgressSnapshot {
  /** records done (settled or not sent) */
  done: number;
  /** estimated records in all; exact once reading ended */
  total: number;
  exact: boolean;
  /** records read so far, and delivered */
  read: number;
  delivered: number;
  /** records done per second over the last few seconds */
  ratePerSec: number;
  /** seconds left at that rate; null while unknown */
  etaS: number | null;
  elapsedS: number;
}

/** Where progress is shown: a bar on a terminal, JSON lines otherwise. */
export interface ProgressView {
  update(s: ProgressSnapshot): void;
  /** the last snapshot; the view lets go of the terminal */
  stop(s: ProgressSnapshot): void;
  /** how often update() is worth calling (ms) */
  readonly everyMs: number;
  /** shown only when the input to read is at least this many compressed bytes (a long run) */
  readonly minInputBytes?: number;
}

export interface ProgressCounts {
  read: number;
  done: number;
  delivered: number;
  /** compressed bytes read */
  bytesRead: number;
}

/** Compressed bytes of the segments not yet consumed by `checkpoints` (a partly read one counts whole: it is decoded again from its start). */
export async function bytesToRead(targets: Target[], pattern: RegExp | undefined, checkpoints: Map<string, string>): Promise<number> {
  const listing = await listSegments(targets, pattern);
  let total = 0;
  for (const [stream, list] of listing.streams) {
    const saved = checkpoints.get(stream);
    const p = saved ? StreamProgress.parse(saved) : null;
    for (const seg of list) {
      if (p?.isConsumed(seg.name)) continue;
      total += (await stat(seg.path).catch(() => null))?.size ?? 0;
    }
  }
  return total;
}

/** A compressed byte holds about this many records before any was read (1 KB records, 20:1). */
const INITIAL_RECORDS_PER_BYTE = 1 / 50;
const RATE_WINDOW_MS = 5000;

export class ProgressMeter {
  private readonly startedAt: number;
  private readDone = false;
  private readonly samples: { t: number; done: number }[] = [];

  constructor(
    private readonly totalBytes: number,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
  }

  /** Reading has ended: the records read are the total. */
  endOfInput(): void {
    this.readDone = true;
  }

  snapshot(c: ProgressCounts): ProgressSnapshot {
    const t = this.now();
    const perByte = c.bytesRead > 0 ? c.read / c.bytesRead : INITIAL_RECORDS_PER_BYTE;
    const estimate = Math.round(Math.max(this.totalBytes, c.bytesRead) * perByte);
    const total = this.readDone ? c.read : Math.max(estimate, c.read);
    const done = Math.min(c.done, total);
    this.samples.push({ t, done });
    while (this.samples.length > 2 && t - this.samples[0]!.t > RATE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const spanS = (t - first.t) / 1000;
    const elapsedS = (t - this.startedAt) / 1000;
    const ratePerSec = spanS > 0 ? (done - first.done) / spanS : 0;
    const etaS = ratePerSec > 0 ? Math.max(0, (total - done) / ratePerSec) : done >= total && total > 0 ? 0 : null;
    return { done, total, exact: this.readDone, read: c.read, delivered: c.delivered, ratePerSec: Math.round(ratePerSec), etaS: etaS === null ? null : Math.round(etaS), elapsedS: Math.round(elapsedS * 10) / 10 };
  }
}

/** Progress as log lines (JSON lines when the log format is json), one every `everyMs`. */
export function progressLines(log: (msg: string, fields: Record<string, unknown>) => void, everyMs = 5000): ProgressView {
  const line = (s: ProgressSnapshot) => log('progress', { ...s, percent: s.total > 0 ? Math.floor((s.done / s.total) * 1000) / 10 : 0 });
  return { everyMs, update: line, stop: line };
}
