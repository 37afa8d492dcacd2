// Which lines of a batch each hook takes and where each goes, for all hooks at once. A hook that
// only filters by type (and LogRecord) keeps the batch-wide byte-level fast path (hook/filter.ts
// selectLines: no parse, no view). The others share one RecordView per line, so however many hooks
// ask about a record, it is parsed once at most (hook/hook.ts compileHook).
import type { LineBatch } from '../source/types.js';
import { selectLines, type SelectOptions } from '../hook/filter.js';
import type { Hook } from '../hook/hook.js';
import { RecordView } from '../record/view.js';
import type { Logger } from '../telemetry/logger.js';

/** The endpoint of one record ('' for the hook's own url), or why it has none. */
export type RouteResult = string | { unrouted: string };

export interface SelectedHook {
  name: string;
  /** records per chunk, and body bytes per chunk */
  chunkRecords: number;
  chunkBytes: number;
  /** a type/LogRecord filter only, every record to the hook's own url: the fast path */
  plain?: SelectOptions;
  /** anything else: match, a URL template, routes */
  compiled?: Hook;
  /** for `compiled`: the endpoint that is the hook's own url (queued as '') */
  ownUrl?: string;
  /** for tests and simple routers: per kept record, its endpoint (with `plain`) */
  route?: (buf: Buffer, start: number, end: number) => RouteResult;
}

export interface HookCounts {
  filtered: number;
  invalid: number;
  unrouted: number;
}

export interface Pick {
  lines: number[];
  /** null: every line to '' (the hook's own url) */
  endpoints: string[] | null;
}

export class HookSet {
  readonly counts: HookCounts[];
  private readonly stats: { invalid: number; filtered: number }[];
  private readonly rich: number[];
  private invalid = 0;

  constructor(
    readonly hooks: readonly SelectedHook[],
    private readonly logger: Logger,
  ) {
    this.counts = hooks.map(() => ({ filtered: 0, invalid: 0, unrouted: 0 }));
    this.stats = hooks.map(() => ({ invalid: 0, filtered: 0 }));
    this.rich = hooks.flatMap((h, i) => (h.compiled ? [i] : []));
  }

  /** Lines that were not JSON records (counted once, whatever the number of hooks). */
  get invalidLines(): number {
    return this.invalid + (this.hooks[0]?.plain ? this.stats[0]!.invalid : 0);
  }

  select(batch: LineBatch): Pick[] {
    const picks: Pick[] = this.hooks.map((h, i) => (h.plain ? this.plain(batch, i) : { lines: [], endpoints: [] }));
    if (this.rich.length > 0) this.viaViews(batch, picks);
    return picks;
  }

  private plain(batch: LineBatch, i: number): Pick {
    const h = this.hooks[i]!;
    const report = i === 0;
    const keep = selectLines(batch, h.plain!, this.stats[i]!, (b, line, why) => {
      if (report) this.logger.warn(`${b.segment.path}: line ${b.firstLine + line + 1} skipped: ${why}`);
    });
    const c = this.counts[i]!;
    c.filtered = this.stats[i]!.filtered;
    c.invalid = this.stats[i]!.invalid;
    if (!h.route) return { lines: keep, endpoints: null };
    const lines: number[] = [];
    const endpoints: string[] = [];
    for (const l of keep) {
      const r = h.route(batch.buf, batch.bounds[l]!, batch.bounds[l + 1]!);
      if (typeof r === 'string') {
        lines.push(l);
        endpoints.push(r);
      } else c.unrouted++;
    }
    return { lines, endpoints };
  }

  private viaViews(batch: LineBatch, picks: Pick[]): void {
    const { buf, bounds, count } = batch;
    const reportHere = !this.hooks[0]?.plain; // a plain first hook reports invalid lines itself
    for (let l = 0; l < count; l++) {
      const view = new RecordView(buf, bounds[l]!, bounds[l + 1]!);
      for (const i of this.rich) {
        const h = this.hooks[i]!;
        const c = this.counts[i]!;
        if (!h.compiled!.keep(view)) {
          if (view.invalid === undefined) c.filtered++;
          continue;
        }
        const r = h.compiled!.route(view);
        if ('unrouted' in r) {
          c.unrouted++;
          continue;
        }
        picks[i]!.lines.push(l);
        picks[i]!.endpoints!.push(r.endpoint === h.ownUrl ? '' : r.key !== undefined ? `route:${r.key}` : r.endpoint);
      }
      if (view.invalid !== undefined) {
        for (const i of this.rich) this.counts[i]!.invalid++;
        this.invalid++;
        if (reportHere) this.logger.warn(`${batch.segment.path}: line ${batch.firstLine + l + 1} skipped: ${view.invalid}`);
      }
    }
  }
}
