// The durable queue's contract. src/spool/ is the only module that knows the storage engine
// (SQLite via better-sqlite3); everything else speaks these types.
//
// Words: a *chunk* (ChunkInput) is what the fan-out hands to `commit`; committed, it is a *row*
// (QueuedRow, a row of the SQLite table `messages`, a name kept for the on-disk format); a
// *message* is only ever a broker's (AMQP, NATS). `msg` in the delivery code is a row.
//
// A row holds 1..N records that were read together: a unit of storage, not
// of delivery. The dispatcher sends ranges of records, parts of a row or several rows per request,
// and once every record of a row has its result it settles the row in one call: delivered records
// go, a record to retry becomes a row of its own with its own (jittered) due time, a dead one a
// dead letter.

/** What the pipeline hands to `commit`: records of one segment for one queue, in read order. */
export interface ChunkInput {
  /** the queue (hook and endpoint) the records go to: Spool.queueId(); default 1, the `default` hook's */
  queueId?: number;
  stream: string;
  segment: string;
  /** 16 hex chars, stable id of the segment (host, directory, name): event id = `${segmentKey}-${line}` */
  segmentKey: string;
  /** line index of each record (a Uint32Array is stored as it is; a plain array is copied into one) */
  lines: Uint32Array | readonly number[];
  /**
   * the records' bytes exactly as kumod wrote them, each WITH its trailing "\n". Chunks of several
   * queues may be views of one buffer (the records any hook kept): it is stored once.
   */
  body: Buffer;
  /** end offset in `body` of each record */
  ends: Uint32Array | readonly number[];
  /**
   * start offset in `body` of each record, when the records are not back to back (a hook that
   * took some of the records another kept); absent: record i starts where record i-1 ends
   */
  starts?: Uint32Array | readonly number[];
}

/** A row of the queue as the dispatcher sees it (see the words above). */
export interface QueuedRow {
  rowId: number;
  queueId: number;
  stream: string;
  segment: string;
  segmentKey: string;
  lines: Uint32Array;
  body: Buffer;
  ends: Uint32Array;
  /** null: record i is body[ends[i-1] ?? 0, ends[i]); else record i is body[starts[i], ends[i]) */
  starts: Uint32Array | null;
  /** ms: when loghook first queued these records (max age counts from here) */
  createdAt: number;
  attempts: number;
  dueAt: number;
  /** "503 Service Unavailable: <body, truncated>" or a transport error; null before any attempt */
  disposition: string | null;
}

/** The outcome of one record of a settled row. */
export type RecordResult =
  | { kind: 'delivered' }
  /** one more attempt, not before `dueAt` */
  | { kind: 'retry'; dueAt: number; disposition: string }
  /** no more attempts: a final status ('final') or older than --max-age ('expired') */
  | { kind: 'dead'; reason: 'final' | 'expired'; disposition: string }
  /** not tried (a stop came first): stays queued as it was, same attempts and due time */
  | { kind: 'unsent' };

export interface DeadLetter {
  id: number;
  queueId: number;
  eventId: string;
  stream: string;
  segment: string;
  line: number;
  /** the record's bytes, with its trailing newline */
  record: Buffer;
  createdAt: number;
  diedAt: number;
  attempts: number;
  disposition: string | null;
  /** 'final' (a final HTTP status) or 'expired' (older than --max-age) */
  reason: 'final' | 'expired';
}

/** Which dead letters a `dead` command acts on. */
export interface DeadSelector {
  /** only these queues (a hook's, or one endpoint's); absent: every queue */
  queueIds?: number[];
  ids?: number[];
  /** died before this time (ms since epoch) */
  diedBefore?: number;
  all?: boolean;
}

export interface EndpointState {
  url: string;
  lastError: string | null;
  lastErrorAt: number | null;
  lastSuccessAt: number | null;
}

export interface QueueCounts {
  rows: number;
  records: number;
  bytes: number;
}

export interface QueueStatus extends QueueCounts {
  /** records due now (not scheduled for later) */
  dueRecords: number;
  /** records scheduled for a later retry */
  scheduledRecords: number;
  /** ms since epoch of the oldest queued record, null when empty */
  oldestCreatedAt: number | null;
  deadCount: number;
}

/** One stream's read checkpoint, for `loghook status`. */
export interface CheckpointDetail {
  stream: string;
  /** opaque to the spool: the reader's own JSON */
  value: string;
  /** ms since epoch of the commit that last moved it */
  updatedAt: number;
}

/** Where record `i` of a row starts in its body. */
export function recordStart(msg: Pick<QueuedRow, 'ends' | 'starts'>, i: number): number {
  return msg.starts !== null ? msg.starts[i]! : i === 0 ? 0 : msg.ends[i - 1]!;
}

/** The bytes of record `i` of a row, trailing newline included (a view, no copy). */
export function recordBytes(msg: Pick<QueuedRow, 'body' | 'ends' | 'starts'>, i: number): Buffer {
  return msg.body.subarray(recordStart(msg, i), msg.ends[i]!);
}

/** Bytes of records [from, to) of a row. */
export function spanBytes(msg: Pick<QueuedRow, 'ends' | 'starts'>, from: number, to: number): number {
  if (to <= from) return 0;
  if (msg.starts === null) return msg.ends[to - 1]! - (from === 0 ? 0 : msg.ends[from - 1]!);
  let n = 0;
  for (let i = from; i < to; i++) n += msg.ends[i]! - msg.starts[i]!;
  return n;
}

/** One queue: a hook's, for one endpoint. */
export interface QueueInfo {
  id: number;
  hook: string;
  /** '' for the hook's own url; else the resolved endpoint (a URL, or a route key) */
  endpoint: string;
  rows: number;
  records: number;
  bytes: number;
  /** dead letters now (requeue and purge take them away) */
  dead: number;
  /** lifetime counters, null in a state dir no tail of this version has opened yet */
  total: LifetimeCounts | null;
}

/**
 * A queue's records over its life (since its state dir was first opened by a loghook that counts
 * them): queued by a read, delivered, given a retry, dead-lettered by a final answer, expired.
 */
export interface LifetimeCounts {
  queued: number;
  delivered: number;
  retried: number;
  dead: number;
  expired: number;
}
