// A row the dispatcher has claimed, while its records go out in one or more requests: which
// records are not in a request yet, and the result of each record that has one. The row's outcome
// goes to the queue in one call once its last record has a result.
import type { QueuedRow } from '../spool/types.js';
import type { QueuePort, RecordResult } from './queue-port.js';

export const DELIVERED: RecordResult = Object.freeze({ kind: 'delivered' });
const UNSENT: RecordResult = Object.freeze({ kind: 'unsent' });

export class ClaimedRow {
  /** the first record not in a request yet */
  next = 0;
  private done = 0;
  /** which records have a result, for a stop that settles what is known */
  private readonly has: Uint8Array;
  /** null while every result so far is 'delivered': the common case allocates nothing per record */
  private results: RecordResult[] | null = null;

  constructor(readonly msg: QueuedRow) {
    this.has = new Uint8Array(msg.ends.length);
  }

  get size(): number {
    return this.msg.ends.length;
  }

  /** Records not in a request yet. */
  get unsent(): number {
    return this.msg.ends.length - this.next;
  }

  /** Record `i` has its result. True when it was the last one missing. */
  set(i: number, result: RecordResult): boolean {
    this.has[i] = 1;
    if (result.kind !== 'delivered') (this.results ??= new Array<RecordResult>(this.size).fill(DELIVERED))[i] = result;
    return ++this.done === this.size;
  }

  /** Some records have a result (and not all: then the row was applied already). */
  get started(): boolean {
    return this.done > 0;
  }

  /**
   * At a stop: what is known goes to the queue, the records without a result stay queued as they
   * were, so a clean stop sends nothing twice.
   */
  applyPartial(queue: QueuePort, now: number): void {
    const results = Array.from(this.has, (h, i): RecordResult => (h ? (this.results?.[i] ?? DELIVERED) : UNSENT));
    queue.settle(this.msg, results, now);
  }

  /** The row's outcome, in one call: `ack` when every record was delivered, else `settle`. */
  apply(queue: QueuePort, now: number): void {
    if (this.results === null) queue.ack([this.msg.rowId]);
    else queue.settle(this.msg, this.results, now);
  }
}
