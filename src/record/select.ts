// Which lines of a batch pass the filters. Lines in kumod's compact form are judged from their
// bytes; the rest are parsed, and a line that is not a JSON object is reported and skipped.
import type { LineBatch } from '../source/types.js';
import { compactTypeEnd, matchType, occurrences, typeAt, typeNeedles } from './classify.js';
import { parseRecord, RecordParseError, type KumoRecord } from './record.js';

export interface SelectOptions {
  /** record types to keep; undefined keeps all */
  types?: ReadonlySet<string>;
  /** drop KumoMTA's own webhook bookkeeping (reception_protocol "LogRecord"), as kumod's hooks do */
  excludeLogRecord?: boolean;
  /** keep records with timestamp >= sinceS / < untilS (unix seconds) */
  sinceS?: number;
  untilS?: number;
}

export interface SelectStats {
  invalid: number;
  filtered: number;
}

export type InvalidLineHandler = (batch: LineBatch, index: number, why: string) => void;

const LOG_RECORD = Buffer.from('"reception_protocol":"LogRecord"');

const needleCache = new WeakMap<ReadonlySet<string>, Buffer[]>();
function needlesFor(types: ReadonlySet<string>): Buffer[] {
  let n = needleCache.get(types);
  if (!n) needleCache.set(types, (n = typeNeedles(types)));
  return n;
}

/** Indexes (within the batch) of the lines to keep, ascending. */
export function selectLines(batch: LineBatch, opts: SelectOptions, stats: SelectStats, onInvalid: InvalidLineHandler): number[] {
  const { buf, bounds, count } = batch;
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
    }
    let rec: KumoRecord | null = null;
    const q = compactTypeEnd(buf, s, e);
    let type = q !== -1 && opts.types ? typeAt(buf, s, q) : '';
    if (q === -1 || timed || suspect) {
      try {
        rec = parseRecord(buf.toString('utf8', s, e));
      } catch (err) {
        if (!(err instanceof RecordParseError)) throw err;
        stats.invalid++;
        onInvalid(batch, i, err.message);
        continue;
      }
      type = rec.type;
    }
    if (opts.types && !opts.types.has(type)) {
      stats.filtered++;
      continue;
    }
    if (rec && opts.excludeLogRecord && rec.reception_protocol === 'LogRecord') {
      stats.filtered++;
      continue;
    }
    if (timed) {
      const ts = rec!.timestamp;
      if (typeof ts !== 'number' || (opts.sinceS !== undefined && ts < opts.sinceS) || (opts.untilS !== undefined && ts >= opts.untilS)) {
        stats.filtered++;
        continue;
      }
    }
    keep.push(i);
  }
  return keep;
}
