// The only caller of spool.commit in a tail: every hook's pending chunks and the read checkpoint
// go in one fsynced transaction, so the checkpoint never moves past a record some hook has not
// queued, and a crash at any instant loses nothing and queues nothing twice, for every hook.
// When to commit is the pipeline's call (enough pending, or caught up); what, this file's.
//
// A full state disk does not end the run: delivering is what frees space. The chunks that could
// not be committed are held (the checkpoint did not move either), reading pauses (the gate asks
// `diskFull`), and the commit is tried again with backoff until it succeeds.
import type { Spool } from '../spool/spool.js';
import { isDiskFull } from '../spool/sqlite.js';
import type { ChunkInput } from '../spool/types.js';
import type { Logger } from '../telemetry/logger.js';
import { errorMessage } from '../util/errors.js';
import type { FanOut } from './fan-out.js';

export interface CommitterOptions {
  spool: Spool;
  fanOut: FanOut;
  /** the reader's checkpoint per stream, covering every batch handed on so far */
  checkpoints(): Map<string, string>;
  /** told after each commit: `records` new records in queue `queueId` */
  committed(queueId: number, records: number): void;
  logger: Logger;
  /** real time, for the retry backoff */
  now?: () => number;
}

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
const WARN_EVERY_MS = 60_000;

export class Committer {
  /** what the last commit wrote per stream: only changed streams are written again */
  private readonly written = new Map<string, string>();
  /** chunks a full disk refused, committed first next time */
  private held: ChunkInput[] = [];
  private heldRecords = 0;
  private full = false;
  private retryMs = RETRY_FIRST_MS;
  private retryAt = 0;
  private warnedAt = -Infinity;
  private readonly now: () => number;

  constructor(private readonly o: CommitterOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  /** The state disk is full: reading must wait (the retry happens here, when it is due). */
  diskFull(): boolean {
    if (this.full && this.now() >= this.retryAt) this.commit();
    return this.full;
  }

  /** Commits everything pending, or just the checkpoint. Returns the records committed. */
  commit(): number {
    if (this.full && this.now() < this.retryAt) return 0;
    const taken = this.o.fanOut.take();
    const chunks = this.held.length ? this.held.concat(taken.chunks) : taken.chunks;
    const records = this.heldRecords + taken.records;
    if (!taken.consumed && chunks.length === 0 && !this.full) return 0;
    const changed = new Map<string, string>();
    for (const [stream, value] of this.o.checkpoints()) if (this.written.get(stream) !== value) changed.set(stream, value);
    try {
      this.o.spool.commit(chunks, changed.size > 0 ? changed : undefined);
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      this.hold(chunks, records, err);
      return 0;
    }
    if (this.full) this.o.logger.info('state disk has room again: queued what was held, reading resumed', { records });
    this.full = false;
    this.retryMs = RETRY_FIRST_MS;
    this.held = [];
    this.heldRecords = 0;
    for (const [stream, value] of changed) this.written.set(stream, value);
    const perQueue = new Map<number, number>();
    for (const c of chunks) perQueue.set(c.queueId!, (perQueue.get(c.queueId!) ?? 0) + c.lines.length);
    for (const [queueId, n] of perQueue) this.o.committed(queueId, n);
    return records;
  }

  private hold(chunks: ChunkInput[], records: number, err: unknown): void {
    const t = this.now();
    this.held = chunks;
    this.heldRecords = records;
    if (this.full) this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
    this.full = true;
    this.retryAt = t + this.retryMs;
    if (t - this.warnedAt >= WARN_EVERY_MS) {
      this.warnedAt = t;
      this.o.logger.warn('state disk full: reading paused, delivering what is queued; nothing read is lost, the commit is retried', {
        held: records,
        error: errorMessage(err),
      });
    }
  }
}
