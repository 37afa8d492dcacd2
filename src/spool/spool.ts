// The durable queues and the read checkpoint, committed together in one SQLite file. There is one
// queue per hook and endpoint (`queue(id)` gives its QueuePort); a commit is one fsynced
// transaction holding the new messages of every queue, the checkpoints and every buffered
// delivery outcome, so a crash at any instant loses nothing and queues nothing twice, for every
// hook. The new messages' bodies are appended to a body file and fdatasynced just before that
// transaction, each shared region once (body-store.ts).
import { join } from 'node:path';
import { systemClock, type Clock } from '../util/clock.js';
import { LoghookError } from '../util/errors.js';
import { BodyFiles } from './body-files.js';
import { BodyStore, type BodyStoreOptions } from './body-store.js';
import { CheckpointTable } from './checkpoints.js';
import { Compaction, type CompactionOptions } from './compaction.js';
import { Claims } from './claims.js';
import { MemoryBudget } from './memory-window.js';
import { DeadLetterTable } from './dead-letters.js';
import { EndpointTable, type EndpointNote } from './endpoints.js';
import { FileLedger } from './file-ledger.js';
import { ForeignRows } from './foreign-rows.js';
import { RowTable } from './row-table.js';
import { Outcomes } from './outcomes.js';
import { QueuePurge, type PurgedQueues } from './queue-purge.js';
import { closeState, openState, type OpenState, type OpenStateHooks } from './open-state.js';
import { QUEUE_FILE } from './schema.js';
import { queuedByStream, type StreamQueueCount } from './queued-by-stream.js';
import { stateError, type Db } from './sqlite.js';
import { StatsDelta, StatsTable, type Stats } from './stats.js';
import type { ChunkInput, CheckpointDetail, DeadLetter, DeadSelector } from './types.js';
import type { EndpointState, QueueCounts, QueueInfo, QueueStatus, QueuedRow, RecordResult } from './types.js';
import type { QueuePort } from '../deliver/queue-port.js';

/** The `default` hook's queue for its own url: the only queue of state dirs from formats 1 and 2. */
export const DEFAULT_QUEUE = 1;

export interface SpoolOptions {
  stateDir: string;
  clock?: Clock;
  /** For status and `dead list` while a tail runs: no lock, no writes. */
  readOnly?: boolean;
  /** Committed rows kept in memory for takeDue, in records and in body bytes, over all queues. */
  memoryWindowRecords?: number;
  memoryWindowBytes?: number;
  /**
   * Reads (takeDue, nextDueAt, counts) look for rows another process added (a `dead requeue`)
   * at most this often, in real milliseconds (default 50; 0: on every call). Writes always look.
   */
  foreignPollMs?: number;
  /** body file size and the tests' and benchmark's seams (body-store.ts); defaults are production's */
  bodyStore?: BodyStoreOptions;
  /** compaction's step size and threshold (compaction.ts); defaults are production's */
  compaction?: CompactionOptions;
  /** the crash tests' seam into opening (open-state.ts) */
  openHooks?: OpenStateHooks;
}

/**
 * Rows committed and not handed out yet that stay in memory (memory-window.ts), shared by every
 * queue: the one default, for tail and for a library caller alike (REVIEW.md §d defect 10).
 */
export const MEMORY_WINDOW = { records: 30_000, bytes: 48 * 1024 * 1024 };

export class Spool {
  private readonly db: Db;
  private readonly file: string;
  private readonly clock: Clock;
  private readonly rows: RowTable;
  private readonly stats: StatsTable;
  private readonly checkpoints: CheckpointTable;
  private readonly endpointTable: EndpointTable;
  private readonly dead: DeadLetterTable;
  private readonly outcomes: Outcomes;
  /** per queue; empty and unused when read-only */
  private readonly claims = new Map<number, Claims>();
  /** null when read-only */
  private readonly budget: MemoryBudget | null;
  private readonly foreign: ForeignRows;
  private readonly bodyFiles: BodyFiles;
  private readonly ledger: FileLedger;
  private readonly queueIds = new Map<string, number>();
  private readonly ports = new Map<number, QueuePort>();
  /** null when read-only: only the lock holder appends to or removes body files */
  private readonly bodies: BodyStore | null;
  /** null when read-only, or when fresh bodies go inline */
  private readonly compaction: Compaction | null;
  private counters: Stats;

  private constructor(
    private readonly state: OpenState,
    opts: SpoolOptions,
  ) {
    const db = (this.db = state.db);
    this.file = join(opts.stateDir, QUEUE_FILE);
    this.clock = opts.clock ?? systemClock;
    this.foreignPollMs = opts.readOnly ? 0 : (opts.foreignPollMs ?? 50);
    this.bodyFiles = new BodyFiles(opts.stateDir);
    this.ledger = new FileLedger(db);
    this.rows = new RowTable(db, { bodies: this.bodyFiles, ledger: this.ledger });
    this.stats = new StatsTable(db);
    this.checkpoints = new CheckpointTable(db);
    this.endpointTable = new EndpointTable(db);
    this.dead = new DeadLetterTable(db, this.rows, this.stats);
    this.outcomes = new Outcomes(this.rows, this.dead);
    this.budget = opts.readOnly
      ? null
      : new MemoryBudget(opts.memoryWindowRecords ?? MEMORY_WINDOW.records, opts.memoryWindowBytes ?? MEMORY_WINDOW.bytes);
    this.foreign = new ForeignRows(db, this.rows, opts.readOnly ? null : (queueId, key) => this.claimsOf(queueId).appeared(key));
    this.bodies = opts.readOnly ? null : BodyStore.open(db, this.bodyFiles, this.ledger, opts.bodyStore);
    this.compaction = this.bodies?.inFiles ? new Compaction(db, this.bodyFiles, this.ledger, this.bodies.rotateBytes, opts.compaction) : null;
    this.counters = this.stats.read();
  }

  /**
   * Opens the state dir (created 0700 if missing). A writer takes the state dir's lock and throws
   * StateLockedError if another process has it; a reader takes no lock and never writes.
   */
  static open(opts: SpoolOptions): Spool {
    const state = openState(opts.stateDir, opts.readOnly ?? false, opts.openHooks);
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
  commit(chunks: ChunkInput[], checkpoints?: Map<string, string>): QueuedRow[] {
    return this.guard(() => this.write(chunks, checkpoints));
  }

  /** Writes the buffered outcomes now (a commit does it too). */
  flush(): void {
    this.guard(() => {
      if (this.outcomes.hasPending() || this.endpointTable.hasPending()) this.write([], undefined);
    });
  }

  /**
   * The id of `hook`'s queue for `endpoint` ('' for the hook's own url), made if it is new. Its
   * rows are delivered in due order, apart from every other queue's.
   */
  queueId(hook: string, endpoint = ''): number {
    const key = `${hook}\0${endpoint}`;
    let id = this.queueIds.get(key);
    if (id === undefined) {
      id = this.guard(() => {
        this.writer();
        // Not synced on its own: the commit that first queues records to it syncs the WAL, this
        // frame with it (a crash before that leaves at most an empty queue). A thousand tenant
        // endpoints made a thousand fsyncs, a quarter of a short run's CPU.
        this.db.pragma('synchronous = NORMAL');
        try {
          return this.db.transaction(() => this.stats.ensureQueue(hook, endpoint)).immediate();
        } finally {
          this.db.pragma('synchronous = FULL');
        }
      });
      this.queueIds.set(key, id);
    }
    return id;
  }

  /** Every queue, with its counters (a removed hook's queues too, until they are empty and purged). */
  queues(): QueueInfo[] {
    return this.guard(() => this.stats.queues());
  }

  /** The delivery side of one queue. */
  queue(id: number): QueuePort {
    let port = this.ports.get(id);
    if (port === undefined) {
      port = {
        takeDue: (maxRecords, now) => this.takeFrom(id, maxRecords, now),
        nextDueAt: () => this.nextDueIn(id),
        ack: (rowIds) => {
          this.writer();
          this.outcomes.ack(id, rowIds);
        },
        settle: (msg, results, now) => this.settle(msg, results, now),
        noteEndpoint: (url, note, now) => this.noteEndpoint(url, note, now),
      };
      this.ports.set(id, port);
    }
    return port;
  }

  /** The default queue's takeDue (queue(DEFAULT_QUEUE)): claims due rows, oldest (due_at, id) first, whole rows up to maxRecords (at least one). */
  takeDue(maxRecords: number, now: number): QueuedRow[] {
    return this.takeFrom(DEFAULT_QUEUE, maxRecords, now);
  }

  /** The default queue's earliest due time among rows not claimed by this process, null when there are none. */
  nextDueAt(): number | null {
    return this.nextDueIn(DEFAULT_QUEUE);
  }

  /** The default queue's rows were delivered: they go with the next commit or flush. */
  ack(rowIds: number[]): void {
    this.writer();
    this.outcomes.ack(DEFAULT_QUEUE, rowIds);
  }

  /**
   * The outcome of every record of a claimed row (of any queue), in record order, written with
   * the next commit or flush: the row goes; a record to retry becomes a row of its own in the same
   * queue due at its own time (attempts + 1), a dead record a dead letter, a delivered record just goes.
   */
  settle(msg: QueuedRow, results: readonly RecordResult[], now: number): void {
    this.writer();
    this.outcomes.settle(msg, results, now);
  }

  noteEndpoint(url: string, note: EndpointNote, now: number): void {
    this.writer();
    this.endpointTable.note(url, note, now);
  }

  private takeFrom(queueId: number, maxRecords: number, now: number): QueuedRow[] {
    return this.guard(() => {
      this.writer();
      this.pollForeign(false);
      return this.claimsOf(queueId).take(maxRecords, now);
    });
  }

  private nextDueIn(queueId: number): number | null {
    return this.guard(() => {
      this.writer();
      this.pollForeign(false);
      return this.claimsOf(queueId).nextDueAt();
    });
  }

  private claimsOf(queueId: number): Claims {
    let c = this.claims.get(queueId);
    if (c === undefined) {
      const source = { keysAfter: this.rows.keysAfter.bind(this.rows, queueId), get: this.rows.get.bind(this.rows) };
      this.claims.set(queueId, (c = new Claims(source, this.budget!)));
    }
    return c;
  }

  /** A point lookup at most, whatever the queue's size; current even when another process added rows. */
  counts(): QueueCounts {
    return this.guard(() => {
      this.pollForeign(false);
      const { rows, records, bytes } = this.counters;
      return { rows, records, bytes };
    });
  }

  /** The whole state dir's queue, or one queue's. */
  status(now: number, queueId?: number): QueueStatus {
    return this.guard(() =>
      // One read transaction: every figure comes from the same snapshot.
      this.db.transaction(() => {
        const queues = this.stats.queues();
        const picked = queueId === undefined ? queues : queues.filter((q) => q.id === queueId);
        const s = queueId === undefined ? this.stats.read() : (picked[0] ?? { rows: 0, records: 0, bytes: 0, dead: 0 });
        let dueRecords = 0;
        for (const q of picked) if (q.records > 0) dueRecords += this.rows.dueRecords(q.id, now);
        return {
          rows: s.rows,
          records: s.records,
          bytes: s.bytes,
          dueRecords,
          scheduledRecords: s.records - dueRecords,
          oldestCreatedAt: this.rows.oldestCreatedAt(queueId),
          deadCount: s.dead,
        };
      })(),
    );
  }

  /** Queued records per log stream and queue (a scan of every row: for start-up checks only). */
  queuedByStream(): StreamQueueCount[] {
    return this.guard(() => queuedByStream(this.db));
  }

  /** The created_at of the oldest record queued in queue `queueId` (one index seek), null when it is empty. */
  oldestQueuedAt(queueId: number): number | null {
    return this.guard(() => this.rows.oldestCreatedAt(queueId));
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

  /**
   * Deletes every queued row and dead letter of the queues, and the queues (a removed hook's:
   * queue-purge.ts); the body files only they used go. Not for a queue this process delivers from.
   */
  purgeQueues(queueIds: readonly number[]): PurgedQueues {
    return this.guard(() => {
      this.writer();
      for (const q of queueIds) if (this.claims.has(q)) throw new LoghookError('LOGHOOK_INTERNAL', `queue ${q} is being delivered from: it cannot be purged`);
      this.flush();
      const { emptied, ...purged } = new QueuePurge(this.db, this.rows, this.ledger, this.stats).purge(queueIds, this.bodies!.appendingTo);
      this.counters = this.stats.read();
      for (const [key, id] of this.queueIds) if (queueIds.includes(id)) this.queueIds.delete(key);
      this.bodies!.reclaim(emptied);
      return purged;
    });
  }

  /** Writes buffered outcomes, closes the files and releases the lock. */
  close(): void {
    if (!this.db.open) return;
    try {
      if (this.budget !== null) this.flush();
      this.guard(() => this.bodies?.close());
    } finally {
      this.bodyFiles.close();
      closeState(this.state);
    }
  }

  private write(chunks: ChunkInput[], checkpoints: Map<string, string> | undefined): QueuedRow[] {
    this.writer();
    const bodies = this.bodies!;
    const ledger = this.ledger;
    const now = this.clock.now();
    // On disk before the transaction that points at them; if it never commits, no row does. The
    // rows compaction moves ride along: their copies are written with the fresh bodies.
    const step = this.compaction?.plan(bodies.appendingTo) ?? null;
    const { chunks: at, moved } = bodies.append(chunks, step === null ? [] : [step.buffer]);
    const tx = this.db.transaction(() => {
      // We hold the write lock from here on: whatever another process added is visible now and
      // nothing more lands before our own inserts, which therefore take the highest ids.
      this.pollForeign();
      const delta = new StatsDelta();
      const rows = chunks.map((c, i) => {
        const m = this.rows.insertChunk(c, now, at[i] ?? null);
        delta.row(m.queueId, 1, m.lines.length, m.body.length);
        delta.total(m.queueId).queued += m.lines.length;
        return m;
      });
      if (checkpoints !== undefined) this.checkpoints.upsert(checkpoints, now);
      const applied = this.outcomes.apply(delta);
      if (step !== null) this.compaction!.apply(step, moved[0]!);
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
      this.checkpoints.forget(); // what it upserted is not on disk: write every stream next time
      throw err;
    }
    const { rows, applied, emptied, counters } = result;
    // Committed: now the bookkeeping in memory may follow, and emptied files may go.
    this.counters = counters;
    this.outcomes.committed();
    this.endpointTable.committed();
    for (const key of applied.released) this.claimsOf(key.queueId).release(key.id);
    for (const key of applied.claimable) {
      this.foreign.own(key.id);
      this.claimsOf(key.queueId).appeared(key);
    }
    for (const m of rows) this.foreign.own(m.rowId);
    for (const [queueId, list] of byQueue(rows)) this.claimsOf(queueId).committed(list);
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

  private writer(): void {
    if (this.budget === null) {
      throw new LoghookError('LOGHOOK_INTERNAL', `${this.file} is open read-only: this operation writes`);
    }
  }

  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw stateError(this.file, err);
    }
  }
}

/** Rows by queue, each list in the order given (id order). */
function byQueue(rows: QueuedRow[]): Map<number, QueuedRow[]> {
  const out = new Map<number, QueuedRow[]>();
  for (const m of rows) {
    const list = out.get(m.queueId);
    if (list === undefined) out.set(m.queueId, [m]);
    else list.push(m);
  }
  return out;
}
