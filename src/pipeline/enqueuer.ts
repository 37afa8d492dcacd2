// Turns batches of lines into queue chunks and commits them with the checkpoint. A chunk holds
// the kept records of one segment, up to the batch size and the body limit, so that in steady
// state one queued row is one request. Commits happen when enough is pending, when the reader
// is caught up, and on a timer: never with a checkpoint ahead of the records it covers.
import type { LineBatch } from '../source/types.js';
import type { ChunkInput } from '../spool/types.js';
import { selectLines, type SelectOptions, type SelectStats } from '../record/select.js';
import { segmentKey } from '../hook/event-id.js';
import type { Logger } from '../telemetry/logger.js';

export interface EnqueuerOptions {
  selection: SelectOptions;
  /** records per chunk (the batch size) */
  chunkRecords: number;
  /** body bytes per chunk (the body limit) */
  chunkBytes: number;
  /** commit once this many records are pending */
  commitRecords: number;
  logger: Logger;
  /** commits the chunks and the checkpoint together, atomically and durably */
  commit(chunks: ChunkInput[]): void;
}

interface OpenChunk {
  input: ChunkInput;
  parts: Buffer[];
  bytes: number;
}

export class Enqueuer {
  readonly stats: SelectStats = { invalid: 0, filtered: 0 };
  queued = 0;
  private pending: ChunkInput[] = [];
  private pendingRecords = 0;
  private open: OpenChunk | null = null;
  private readonly keys = new Map<string, string>();
  /** set when lines were consumed (even if all were filtered): the checkpoint must move */
  private dirty = false;

  constructor(private readonly opts: EnqueuerOptions) {}

  /** Takes a batch. Returns true when enough is pending that the caller should commit now. */
  add(batch: LineBatch): boolean {
    this.dirty = true;
    const keep = selectLines(batch, this.opts.selection, this.stats, (b, i, why) =>
      this.opts.logger.warn(`${b.segment.path}: line ${b.firstLine + i + 1} skipped: ${why}`),
    );
    const { buf, bounds, segment } = batch;
    let key = this.keys.get(segment.path);
    if (!key) this.keys.set(segment.path, (key = segmentKey(segment.dir, segment.name)));
    for (const i of keep) {
      const s = bounds[i]!;
      const e = bounds[i + 1]!;
      let c = this.open;
      // array bodies add a comma per record and two brackets
      if (c && (c.input.segment !== segment.name || c.input.stream !== segment.stream || c.input.lines.length >= this.opts.chunkRecords || c.bytes + (e - s) + c.input.lines.length + 2 > this.opts.chunkBytes)) {
        this.close();
        c = null;
      }
      if (!c) {
        c = this.open = { input: { stream: segment.stream, segment: segment.name, segmentKey: key, lines: [], body: Buffer.alloc(0), ends: [] }, parts: [], bytes: 0 };
      }
      c.parts.push(buf.subarray(s, e));
      c.bytes += e - s;
      c.input.lines.push(batch.firstLine + i);
      c.input.ends.push(c.bytes);
      this.pendingRecords++;
    }
    return this.pendingRecords >= this.opts.commitRecords;
  }

  /** Lines were consumed or segments finished since the last commit. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Commits everything pending (or just the checkpoint). Returns the number of records committed. */
  flush(): number {
    if (!this.dirty && this.pendingRecords === 0) return 0;
    this.close();
    const chunks = this.pending;
    const n = this.pendingRecords;
    this.pending = [];
    this.pendingRecords = 0;
    this.dirty = false;
    this.opts.commit(chunks);
    this.queued += n;
    return n;
  }

  get pendingCount(): number {
    return this.pendingRecords;
  }

  /** Copies the open chunk's records out of the decode buffers into one body. */
  private close(): void {
    const c = this.open;
    if (!c) return;
    this.open = null;
    c.input.body = Buffer.concat(c.parts, c.bytes);
    this.pending.push(c.input);
  }
}
