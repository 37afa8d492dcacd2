// What the dispatcher needs from the durable queue. src/spool implements it on SQLite; tests use
// an in-memory fake. All times are ms since the epoch from the injected clock.
//
// A row (QueuedRow) holds 1..N records and is a unit of storage only. A request carries a
// range of records: part of a row, a whole row, or records of several rows. So a row may be in
// several requests at once; when every one of its records has a result, the dispatcher gives the
// row's outcome in one call (`ack` when all were delivered, else `settle`).
import type { QueuedRow, RecordResult } from '../spool/types.js';

export type { RecordResult };

export interface QueuePort {
  /**
   * Claims rows due at `now` (dueAt <= now), oldest due first, whole rows, adding rows while the
   * total stays within `maxRecords` records (but always at least one row if any is due).
   * Claimed rows are not returned again by this process until acked or settled.
   */
  takeDue(maxRecords: number, now: number): QueuedRow[];

  /** Earliest dueAt of an unclaimed row, or null when there is none. */
  nextDueAt(): number | null;

  /** Every record of these rows was delivered: remove them (the queue may buffer this and commit in groups). */
  ack(rowIds: number[]): void;

  /**
   * The outcome of a claimed row, one result per record in record order: the row goes; a record
   * to retry is queued again on its own, due at its `dueAt`, with attempts = msg.attempts + 1 and
   * its disposition; a dead record goes to the dead letters; a delivered record just goes.
   */
  settle(msg: QueuedRow, results: RecordResult[], now: number): void;

  /** The endpoint's health for `status`: called on changes and at most about once a second. */
  noteEndpoint(url: string, what: { error?: string; ok?: boolean }, now: number): void;
}
