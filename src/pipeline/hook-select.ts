// A hook's side of the fan-out: which lines of a batch it takes and where each goes. The filter
// (types, LogRecord) judges lines from their bytes where it can (record/select.ts); a hook that
// routes by record fields asks its router per kept line.
import type { LineBatch } from '../source/types.js';
import { selectLines, type SelectOptions } from '../record/select.js';
import type { FanOutHook } from './fan-out.js';
import type { Logger } from '../telemetry/logger.js';

/** The endpoint of one record ('' for the hook's own url), or why it has none. */
export type RouteResult = string | { unrouted: string };

export interface HookSelectOptions {
  name: string;
  selection: SelectOptions;
  chunkRecords: number;
  chunkBytes: number;
  /** per kept record: its endpoint; absent: every record goes to the hook's url */
  route?: (buf: Buffer, start: number, end: number) => RouteResult;
  logger: Logger;
  /** say which lines are not JSON (only one hook should: they are the same lines for all) */
  reportInvalid: boolean;
}

export interface HookCounts {
  filtered: number;
  invalid: number;
  unrouted: number;
}

export class HookSelect implements FanOutHook {
  readonly name: string;
  readonly chunkRecords: number;
  readonly chunkBytes: number;
  readonly counts: HookCounts = { filtered: 0, invalid: 0, unrouted: 0 };
  private readonly stats = { invalid: 0, filtered: 0 };

  constructor(private readonly o: HookSelectOptions) {
    this.name = o.name;
    this.chunkRecords = o.chunkRecords;
    this.chunkBytes = o.chunkBytes;
  }

  select(batch: LineBatch): { lines: readonly number[]; endpoints: readonly string[] | null } {
    const keep = selectLines(batch, this.o.selection, this.stats, (b, i, why) => {
      if (this.o.reportInvalid) this.o.logger.warn(`${b.segment.path}: line ${b.firstLine + i + 1} skipped: ${why}`);
    });
    this.counts.filtered = this.stats.filtered;
    this.counts.invalid = this.stats.invalid;
    const route = this.o.route;
    if (!route) return { lines: keep, endpoints: null };
    const lines: number[] = [];
    const endpoints: string[] = [];
    for (const i of keep) {
      const r = route(batch.buf, batch.bounds[i]!, batch.bounds[i + 1]!);
      if (typeof r === 'string') {
        lines.push(i);
        endpoints.push(r);
      } else this.counts.unrouted++;
    }
    return { lines, endpoints };
  }
}
