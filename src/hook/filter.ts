// Which records pass a hook's type, LogRecord and time filters, one record `buf[start, end)` at a
// time. Lines in kumod's compact form are judged from their bytes; the rest are parsed, and a line
// that is not a JSON object is not kept (the caller sees `view.invalid`, counts it and logs it).
// `selectLines` applies the same filter to a run of lines (cat, the enqueuer) with one native
// search per run for LogRecord suspects and a --types test that makes no string.
import { compactTypeEnd, matchType, occurrences, typeNeedles } from '../record/classify.js';
import { RecordView } from '../record/view.js';

export interface SelectOptions {
  /** record types to keep; undefined keeps all */
  types?: ReadonlySet<string>;
  /** drop KumoMTA's own webhook bookkeeping (reception_protocol "LogRecord"), as kumod's hooks do */
  excludeLogRecord?: boolean;
  /** keep records with timestamp >= sinceS / < untilS (unix seconds) */
  sinceS?: number;
  untilS?: number;
}

/**
 * Whether a record passes; `logRecordHint` is a batch-wide search's verdict on whether the line
 * holds the LogRecord text (undefined: search the line). False for a line that is not a record:
 * then `view.invalid` says why.
 */
export type RecordFilter = (view: RecordView, logRecordHint?: boolean) => boolean;

export function compileFilter(opts: SelectOptions): RecordFilter {
  const { types, excludeLogRecord, sinceS, untilS } = opts;
  const timed = sinceS !== undefined || untilS !== undefined;
  return (view, hint) => {
    if (types) {
      const t = view.type();
      if (t === undefined || !types.has(t)) return false;
    }
    if (excludeLogRecord && view.isLogRecord(hint)) return false;
    if (timed) {
      const ts = view.record()?.timestamp;
      if (typeof ts !== 'number' || (sinceS !== undefined && ts < sinceS) || (untilS !== undefined && ts >= untilS)) return false;
    }
    // A compact line is kept on its bytes alone, as --types always did; any other line must parse.
    return view.parsed ? view.record() !== null : view.isCompact() || view.record() !== null;
  };
}

/** One record's verdict: kept, filtered out, or not a record (with the reason). */
export function filterRecord(buf: Buffer, start: number, end: number, filter: RecordFilter): 'keep' | 'filtered' | { invalid: string } {
  const view = new RecordView(buf, start, end);
  if (filter(view)) return 'keep';
  return view.invalid !== undefined ? { invalid: view.invalid } : 'filtered';
}

export interface SelectStats {
  invalid: number;
  filtered: number;
}

/** Consecutive lines in one buffer: line i is `buf[bounds[i], bounds[i+1])` (a LineBatch is one). */
export interface LineRun {
  buf: Buffer;
  bounds: ArrayLike<number>;
  count: number;
}

export type InvalidLineHandler<B extends LineRun = LineRun> = (batch: B, index: number, why: string) => void;

const LOG_RECORD = Buffer.from('"reception_protocol":"LogRecord"');

const needleCache = new WeakMap<ReadonlySet<string>, Buffer[]>();
function needlesFor(types: ReadonlySet<string>): Buffer[] {
  let n = needleCache.get(types);
  if (!n) needleCache.set(types, (n = typeNeedles(types)));
  return n;
}
const filterCache = new WeakMap<SelectOptions, RecordFilter>();
function filterFor(opts: SelectOptions): RecordFilter {
  let f = filterCache.get(opts);
  if (!f) filterCache.set(opts, (f = compileFilter(opts)));
  return f;
}

/** Indexes (within the run) of the lines to keep, ascending. */
export function selectLines<B extends LineRun>(batch: B, opts: SelectOptions, stats: SelectStats, onInvalid: InvalidLineHandler<B>): number[] {
  const { buf, bounds, count } = batch;
  const filter = filterFor(opts);
  const timed = opts.sinceS !== undefined || opts.untilS !== undefined;
  // Lines that may be LogRecords: the only ones that need a parse to be sure.
  const suspects = opts.excludeLogRecord ? occurrences(buf, LOG_RECORD, bounds[0]!, bounds[count]!) : [];
  let si = 0;
  const keep: number[] = [];
  const needles = opts.types && !timed ? needlesFor(opts.types) : null;
  for (let i = 0; i < count; i++) {
    const s = bounds[i]!;
    const e = bounds[i + 1]!;
    let suspect = false;
    while (si < suspects.length && suspects[si]! < e) {
      if (suspects[si]! >= s) suspect = true;
      si++;
    }
    if (needles && !suspect) {
      // the common case of a --types filter: judged from the bytes, no string made
      const m = matchType(buf, s, e, needles);
      if (m === 1) {
        keep.push(i);
        continue;
      }
      if (m === 0) {
        stats.filtered++;
        continue;
      }
    } else if (!opts.types && !timed && !suspect && compactTypeEnd(buf, s, e) !== -1) {
      // no type or time filter (cat, most tails): a compact line that is no LogRecord is kept as it is
      keep.push(i);
      continue;
    }
    const view = new RecordView(buf, s, e);
    if (filter(view, suspect)) keep.push(i);
    else if (view.invalid !== undefined) {
      stats.invalid++;
      onInvalid(batch, i, view.invalid);
    } else stats.filtered++;
  }
  return keep;
}
