// The durable queue and the read checkpoint, committed together in one SQLite file. A commit is
// one fsynced transaction holding new messages, checkpoints and every buffered delivery outcome,
// so a crash at any instant loses nothing and queues nothing twice. The new messages' bodies are
// appended to a body file and fdatasynced just before that transaction (body-store.ts).
import { join } from 'node:path';
import { systemClock, type Clock } from '../util/clock.js';
import { LoghookError } from '../util/errors.js';
import { BodyFiles } from './body-files.js';
import { BodyStore } from './body-store.js';
import { CheckpointTable } from './checkpoints.js';
import { Claims } from './claims.js';
import { DeadLetterTable } from './dead-letters.js';
import { EndpointTable, type EndpointNote } from './endpoints.js';
import { FileLedger } from './file-ledger.js';
import { ForeignRows } from './foreign-rows.js';
import { MessageTable } from './message-table.js';
import { Outcomes } from './outcomes.js';
import { closeState, openState, type OpenState } from './open-state.js';
import { QUEUE_FILE } from './schema.js';
import { stateError, type Db } from './sqlite.js';
import { StatsDelta, StatsTable, type Stats } from './stats.js';
import type { ChunkInput, CheckpointDetail, DeadLetter, DeadSelector } from './types.js';
import type { EndpointState, QueueCounts, QueueStatus, QueuedMessage, RecordResult } from './types.js';

export interface SpoolOptions {
  stateDir: string;
  clock?: Clock;
  /** For status and `dead list` while a tail runs: no lock, no writes. */
  readOnly?: boolean;
  /** Committed rows kept in memory for takeDue, in records and in body bytes. */
  memoryWindowRecords?: number;
  memoryWindowBytes?: number;
  /**
   * Reads (takeDue, nextDueAt, counts) look for rows another process added (a `dead requeue`)
   * at most this often, in real milliseconds (default 50; 0: on every call). Writes always look.
   */
  foreignPollMs?: number;
}

export class Spool {
  private readonly db: Db;
  private readonly file: string;
  private readonly clock: Clock;
  private readonly messages: MessageTable;
  private readonly stats: StatsTable;
  private readonly checkpoints: CheckpointTable;
  private readonly endpointTable: EndpointTable;
  private readonly dead: DeadLetterTable;
  private readonly outcomes: Outcomes;
  /** null when read-only */
  private readonly claims: Claims | null;
  private readonly foreign: ForeignRows;
  /** null for a format-1 file opened by a reader (no body files there) */
  private readonly bodyFiles: BodyFiles | null;
  private readonly ledger: FileLedger | null;
  /** null when read-only: only the lock holder appends to or removes body files */
  private readonly bodies: BodyStore | null;
  private counters: Stats;

  private constructor(
    private readonly state: OpenState,
    opts: SpoolOptions,
  ) {
    const db = (this.db = state.db);
    this.file = join(opts.stateDir, QUEUE_FILE);
    this.clock = opts.clock ?? systemClock;
    this.foreignPollMs = opts.readOnly ? 0 : (opts.foreignPollMs ?? 50);
    // A writer always has the current format (it migrates); a reader may have format 1.
    const files = state.format >= 2;
    this.bodyFiles = files ? new BodyFiles(opts.stateDir) : null;
    this.ledger = files ? new FileLedger(db) : null;
    this.messages = new MessageTable(db, { format: state.format, bodies: this.bodyFiles, ledger: this.ledger });
    this.stats = new StatsTable(db);
    this.checkpoints = new CheckpointTable(db);
    this.endpointTable = new EndpointTable(db);
    this.dead = new DeadLetterTable(db, this.messages, this.stats);
    this.outcomes = new Outcomes(this.messages, this.dead);
    this.claims = opts.readOnly
      ? null
      : new Claims(this.messages, {
          maxRecords: opts.memoryWindowRecords ?? 20_000,
          maxBytes: opts.memoryWindowBytes ?? 32 * 1024 * 1024,
        });
    this.foreign = new ForeignRows(db, this.messages, this.claims);
    this.bodies = opts.readOnly ? null : BodyStore.open(db, this.bodyFiles!, this.ledger!);
    this.counters = this.stats.read();
  }

  /**
   * Opens the state dir (created 0700 if missing). A writer takes the state dir's lock and throws
   * StateLockedError if another process has it; a reader takes no lock and never writes.
   */
  static open(opts: SpoolOptions): Spool {
    const state = openState(opts.stateDir, opts.readOnly ?? false);
    try {
      return new Spool(state, opts);
    } catch (err) {
      closeState(state);
      throw stateError(join(opts.stateDir, QUEUE_FILE), err);
    }
  }

  loadCheckpoints(): Map<string, string> {
    return this.guard(() => new Map(this.checkpoints.all().map((c) => [c.stream, c.value])));
  }

  /**
   * One fsynced transaction: the chunks as new rows due now, the checkpoints, and every buffered
   * outcome. Returns the new rows. `chunk.body` is kept, not copied: the rows served from memory
   * share it, so the caller must not reuse that buffer until the row's outcome is given.
   */
  commit(chunks: ChunkInput[], checkpoints?: Map<string, string>): QueuedMessage[] {
    return this.guard(() => this.write(chunks, checkpoints));
  }

  /** Writes the buffered outcomes now (a commit does it too). */
  flush(): void {
    this.guard(() => {
      if (this.outcomes.hasPending() || this.endpointTable.hasPending()) this.write([], undefined);
    });
  }

  /** Claims due rows, oldest (due_at, id) first, whole rows up to maxRecords (at least one). */
  takeDue(maxRecords: number, now: number): QueuedMessage[] {
    return this.guard(() => {
      const claims = this.writer();
      this.pollForeign(false);
      return claims.take(maxRecords, now);
    });
  }

  /** Earliest due time among rows not claimed by this process, null when there are none. */
  nextDueAt(): number | null {
    return this.guard(() => {
      const claims = this.writer();
      this.pollForeign(false);
      return claims.nextDueAt();
    });
  }

  /** The rows were delivered: they go with the next commit or flush. */
  ack(rowIds: number[]): void {
    this.writer();
    this.outcomes.ack(rowIds);
  }

  /**
   * The outcome of every record of a claimed row, in record order, written with the next commit
   * or flush: the row goes; a record to retry becomes a row of its own due at its own time
   * (attempts + 1), a dead record a dead letter, a delivered record just goes.
   */
  settle(msg: QueuedMessage, results: readonly RecordResult[], now: number): void {
    this.writer();
    this.outcomes.settle(msg, results, now);
  }

  noteEndpoint(url: string, note: EndpointNote, now: number): void {
    this.writer();
    this.endpointTable.note(url, note, now);
  }

  /** A point lookup at most, whatever the queue's size; current even when another process added rows. */
  counts(): QueueCounts {
    return this.guard(() => {
      this.pollForeign(false);
      const { rows, records, bytes } = this.counters;
      return { rows, records, bytes };
    });
  }

  status(now: number): QueueStatus {
    return this.guard(() =>
      // One read transaction: every figure comes from the same snapshot.
      this.db.transaction(() => {
        const s = this.stats.read();
        const dueRecords = this.messages.dueRecords(now);
        return {
          rows: s.rows,
          records: s.records,
          bytes: s.bytes,
          dueRecords,
          scheduledRecords: s.records - dueRecords,
          oldestCreatedAt: this.messages.oldestCreatedAt(),
          deadCount: s.dead,
        };
      })(),
    );
  }

  checkpointsDetail(): CheckpointDetail[] {
    return this.guard(() => this.checkpoints.all());
  }

  endpoints(): EndpointState[] {
    return this.guard(() => this.endpointTable.all());
  }

  listDead(sel: DeadSelector & { limit?: number }): DeadLetter[] {
    return this.guard(() => this.dead.list(sel));
  }

  deadCount(): number {
    return this.guard(() => this.dead.count());
  }

  /** Requeued records are new rows due now with attempts 0; returns how many. */
  requeueDead(sel: DeadSelector): number {
    return this.guard(() => {
      this.writer();
      const n = this.dead.requeue(sel, this.clock.now());
      this.foreign.absorb(); // our own connection wrote them: data_version will not tell
      this.counters = this.stats.read();
      return n;
    });
  }

  purgeDead(sel: DeadSelector): number {
    return this.guard(() => {
      this.writer();
      const n = this.dead.purge(sel);
      this.counters = this.stats.read();
      return n;
    });
  }

  /** Writes buffered outcomes, closes the files and releases the lock. */
  close(): void {
    if (!this.db.open) return;
    try {
      if (this.claims !== null) this.flush();
      this.guard(() => this.bodies?.close());
    } finally {
      this.bodyFiles?.close();
      closeState(this.state);
    }
  }

  private write(chunks: ChunkInput[], checkpoints: Map<string, string> | undefined): QueuedMessage[] {
    const claims = this.writer();
    const bodies = this.bodies!;
    const ledger = this.ledger!;
    const now = this.clock.now();
    // On disk before the transaction that points at them; if it never commits, no row does.
    const at = bodies.append(chunks);
    const tx = this.db.transaction(() => {
      // We hold the write lock from here on: whatever another process added is visible now and
      // nothing more lands before our own inserts, which therefore take the highest ids.
      this.pollForeign();
      const delta = new StatsDelta();
      const rows = chunks.map((c, i) => {
        const m = this.messages.insertChunk(c, now, at[i] ?? null);
        delta.rows += 1;
        delta.records += m.lines.length;
        delta.bytes += m.body.length;
        return m;
      });
      if (checkpoints !== undefined) this.checkpoints.upsert(checkpoints, now);
      const applied = this.outcomes.apply(delta);
      this.endpointTable.apply();
      const emptied = ledger.apply(bodies.appendingTo);
      const counters = delta.isZero() ? this.stats.read() : this.stats.add(delta);
      return { rows, applied, emptied, counters };
    });
    let result: ReturnType<typeof tx.immediate>;
    try {
      result = tx.immediate();
    } catch (err) {
      ledger.discard();
      throw err;
    }
    const { rows, applied, emptied, counters } = result;
    // Committed: now the bookkeeping in memory may follow, and emptied files may go.
    this.counters = counters;
    this.outcomes.settled();
    this.endpointTable.settle();
    for (const id of applied.released) claims.release(id);
    for (const key of applied.claimable) {
      this.foreign.own(key.id);
      claims.appeared(key);
    }
    for (const m of rows) this.foreign.own(m.rowId);
    claims.committed(rows);
    bodies.reclaim(emptied);
    return rows;
  }

  /**
   * A write always looks, so that its own ids stay above foreign ones. Reads look at most every
   * foreignPollMs: they run thousands of times a second at --batch-size 1, and PRAGMA
   * data_version at every call took 18% of the CPU there; a requeued row is then seen up to
   * 50 ms late, which no one can tell from a requeue 50 ms later.
   */
  private pollForeign(always = true): void {
    if (!always) {
      const t = performance.now();
      if (t - this.lastForeignPoll < this.foreignPollMs) return;
      this.lastForeignPoll = t;
    }
    if (this.foreign.poll()) this.counters = this.stats.read();
  }
  private lastForeignPoll = -Infinity;
  private readonly foreignPollMs: number;

  private writer(): Claims {
    if (this.claims === null) {
      throw new LoghookError('LOGHOOK_INTERNAL', `${this.file} is open read-only: this operation writes`);
    }
    return this.claims;
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw stateError(this.file, err);
    }
  }
}
