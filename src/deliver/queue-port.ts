// What the dispatcher needs from the durable queue. src/spool implements it on SQLite; tests use
// an in-memory fake. All times are ms since the epoch from the injected clock.
//
// A row (QueuedMessage) holds 1..N records. The dispatcher only ever sends whole rows: it
// combines several rows into one request, and asks the queue to `split` a row that alone is
// larger than one request may be (more than --batch-size records or --max-batch-bytes bytes,
// e.g. after the operator lowered them). So every outcome applies to whole rows.
import type { QueuedMessage } from '../spool/types.js';

export interface QueuePort {
  /**
   * Claims rows due at `now` (dueAt <= now), oldest due first, whole rows, adding rows while the
   * total stays within `maxRecords` records (but always at least one row if any is due).
   * Claimed rows are not returned again by this process until acked, retried, buried or split.
   */
  takeDue(maxRecords: number, now: number): QueuedMessage[];

  /** Earliest dueAt of an unclaimed row, or null when there is none. */
  nextDueAt(): number | null;

  /** The rows were delivered: remove them (the queue may buffer this and commit in groups). */
  ack(rowIds: number[]): void;

  /**
   * A transient failure: reschedule each record of `msg` at its own due time (`dueAts[i]` for
   * record i), with attempts = msg.attempts + 1 and this disposition. The queue scatters the row
   * into one row per record. The rows become unclaimed.
   */
  retry(msg: QueuedMessage, dueAts: number[], disposition: string, now: number): void;

  /** A final failure or expiry: move every record of `msg` to the dead letters. */
  bury(msg: QueuedMessage, disposition: string, reason: 'final' | 'expired', now: number): void;

  /**
   * Replaces a claimed row by consecutive rows starting at the record indexes `cuts` (ascending,
   * each in 1..n-1): cuts [40, 80] on a row of 100 gives rows of records 0-39, 40-79 and 80-99.
   * The new rows keep createdAt, attempts, dueAt and disposition, and are unclaimed.
   * Only used when a row alone exceeds the request limits.
   */
  split(msg: QueuedMessage, cuts: number[]): void;

  /** The endpoint's health for `status`: called on changes and at most about once a second. */
  noteEndpoint(url: string, what: { error?: string; ok?: boolean }, now: number): void;
}
