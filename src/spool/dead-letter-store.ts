// The dead letters of a state dir for `loghook dead list|requeue|purge`, usable while a tail
// process holds the state dir: it takes no lock (it never touches claims, the window or
// checkpoints) and relies on SQLite to serialize its short transactions with the tail's commits.
// The tail picks requeued rows up by itself (foreign-rows.ts).
import { join } from 'node:path';
import { systemClock, type Clock } from '../util/clock.js';
import { DeadLetterTable } from './dead-letters.js';
import { RowTable } from './row-table.js';
import { openQueueDb, QUEUE_FILE } from './schema.js';
import { stateError, type Db } from './sqlite.js';
import { StatsTable } from './stats.js';
import type { DeadLetter, DeadSelector, QueueInfo } from './types.js';

export interface DeadLetterStoreOptions {
  stateDir: string;
  clock?: Clock;
}

export class DeadLetterStore {
  private readonly table: DeadLetterTable;
  private readonly stats: StatsTable;

  private constructor(
    private readonly db: Db,
    private readonly file: string,
    private readonly clock: Clock,
  ) {
    // Requeued rows are inline: the store never touches the body files (it holds no lock).
    this.stats = new StatsTable(db);
    this.table = new DeadLetterTable(db, new RowTable(db, { bodies: null, ledger: null }), this.stats);
  }

  /** Opens an existing queue (InputError if the state dir has none). */
  static open(opts: DeadLetterStoreOptions): DeadLetterStore {
    const file = join(opts.stateDir, QUEUE_FILE);
    // It holds no lock, so it does not migrate: an older file is refused (schema.ts says how to migrate).
    const { db } = openQueueDb(opts.stateDir, { readOnly: false, create: false });
    try {
      return new DeadLetterStore(db, file, opts.clock ?? systemClock);
    } catch (err) {
      db.close();
      throw stateError(file, err);
    }
  }

  /** Every queue, to resolve `--hook`/`--endpoint` to queue ids. */
  queues(): QueueInfo[] {
    return this.guard(() => this.stats.queues());
  }

  list(sel: DeadSelector & { limit?: number }): DeadLetter[] {
    return this.guard(() => this.table.list(sel));
  }

  count(): number {
    return this.guard(() => this.table.count());
  }

  /** Moves the selected dead letters back to the queue, due now with attempts 0; returns how many. */
  requeue(sel: DeadSelector): number {
    return this.guard(() => this.table.requeue(sel, this.clock.now()));
  }

  purge(sel: DeadSelector): number {
    return this.guard(() => this.table.purge(sel));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw stateError(this.file, err);
    }
  }
}
