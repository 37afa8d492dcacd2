// The only caller of spool.commit in a tail: every hook's pending chunks and the read checkpoint
// go in one fsynced transaction, so the checkpoint never moves past a record some hook has not
// queued, and a crash at any instant loses nothing and queues nothing twice, for every hook.
// When to commit is the pipeline's call (enough pending, or caught up); what, this file's.
import type { Spool } from '../spool/spool.js';
import type { FanOut } from './fan-out.js';

export interface CommitterOptions {
  spool: Spool;
  fanOut: FanOut;
  /** the reader's checkpoint per stream, covering every batch handed on so far */
  checkpoints(): Map<string, string>;
  /** told after each commit: `records` new records in queue `queueId` */
  committed(queueId: number, records: number): void;
}

export class Committer {
  /** what the last commit wrote per stream: only changed streams are written again */
  private readonly written = new Map<string, string>();

  constructor(private readonly o: CommitterOptions) {}

  /** Commits everything pending, or just the checkpoint. Returns the records committed. */
  commit(): number {
    const { chunks, records, consumed } = this.o.fanOut.take();
    if (!consumed && chunks.length === 0) return 0;
    const changed = new Map<string, string>();
    for (const [stream, value] of this.o.checkpoints()) if (this.written.get(stream) !== value) changed.set(stream, value);
    this.o.spool.commit(chunks, changed.size > 0 ? changed : undefined);
    for (const [stream, value] of changed) this.written.set(stream, value);
    const perQueue = new Map<number, number>();
    for (const c of chunks) perQueue.set(c.queueId!, (perQueue.get(c.queueId!) ?? 0) + c.lines.length);
    for (const [queueId, n] of perQueue) this.o.committed(queueId, n);
    return records;
  }
}
