// One read feeding many hooks: turns each batch of lines into queue chunks for every hook that
// takes them. A record any hook keeps is copied once, run by run, into an arena buffer; each
// hook's chunks are views of that arena naming their records' spans, so the spool writes the
// bytes once however many hooks (and endpoints) take them (body-store.ts shareRegions). The decode
// buffers can be reused as soon as a batch is handled.
//
// A chunk (a queue row) holds records of one segment for one queue (a hook and one endpoint), up
// to the hook's record count and body limit. Committing is not decided here: the committer takes
// what is pending (`take()`) together with the checkpoint.
import type { LineBatch, SegmentRef } from '../source/types.js';
import type { ChunkInput } from '../spool/types.js';
import { segmentKey } from '../hook/event-id.js';

/** What the fan-out needs of the hooks. */
export interface FanOutHooks {
  readonly hooks: readonly {
    readonly name: string;
    /** records per chunk */
    readonly chunkRecords: number;
    /** body bytes per chunk (array bodies add a comma per record and two brackets) */
    readonly chunkBytes: number;
  }[];
  /**
   * Per hook, the lines of `batch` it takes, ascending, each with its endpoint ('' for the
   * hook's own url; null: all ''). Lines a hook does not take are counted by the selector.
   */
  select(batch: LineBatch): { lines: readonly number[]; endpoints: readonly string[] | null }[];
}

/** Where a queue's records go: the spool's queue id for a hook and endpoint. */
export type QueueIdOf = (hook: string, endpoint: string) => number;

const ARENA_BYTES = 1024 * 1024;
/**
 * Chunks close when their arena is full: with records spread over many endpoints, a 1 MiB arena
 * gave rows of one or two records each (a thousand tenants). The next arena grows with the
 * chunks that were open, so each gets about this many bytes, up to ARENA_MAX_BYTES: about half a
 * batch of 100 kumod records, what tail.ts commits per endpoint (16 KiB held a hook over 100
 * endpoints to rows of 19 records).
 */
const ARENA_BYTES_PER_OPEN_CHUNK = 48 * 1024;
const ARENA_MAX_BYTES = 16 * 1024 * 1024;

interface OpenChunk {
  queueId: number;
  hook: number;
  segment: SegmentRef;
  segmentKey: string;
  /** records so far: the first `n` entries of the arrays below */
  n: number;
  lines: Uint32Array;
  /** absolute arena offsets, rebased when the chunk closes */
  starts: Uint32Array;
  ends: Uint32Array;
  bytes: number;
  /** every record so far lies right after the one before */
  contiguous: boolean;
}

/** Open chunks' arrays start this long and double as needed (a hook's chunks hold up to its batch size). */
const OPEN_CHUNK_RECORDS = 128;

export class FanOut {
  /** records queued per hook (committed or pending), since start */
  readonly queued: number[];
  private pending: ChunkInput[] = [];
  private pendingRecords = 0;
  private readonly open = new Map<number, OpenChunk>();
  /** closed chunks, their arrays reused by the next ones (the closed chunk's own are copies) */
  private spare: OpenChunk[] = [];
  /** the chunk the last record went to: runs of one queue skip the map */
  private last: OpenChunk | null = null;
  private arena = Buffer.allocUnsafe(ARENA_BYTES);
  private used = 0;
  /** segment key of the last segment seen (chunks follow one segment for a long time) */
  private keyOf = { path: '', key: '' };
  /** lines were consumed since the last take (even if no hook kept any): the checkpoint must move */
  private dirty = false;
  /** per batch: arena offset of each kept line, -1 for lines no hook keeps */
  private at = new Int32Array(1024);

  private readonly hooks: FanOutHooks['hooks'];

  constructor(
    private readonly selector: FanOutHooks,
    private readonly queueIdOf: QueueIdOf,
  ) {
    this.hooks = selector.hooks;
    this.queued = this.hooks.map(() => 0);
  }

  /** Records in chunks not yet taken. */
  get pendingCount(): number {
    return this.pendingRecords;
  }

  /** Bytes of those records (what they will add to the queue's bytes). */
  get pendingBytes(): number {
    return this.pendingBytesN;
  }
  private pendingBytesN = 0;

  /** Takes a batch: every hook's records go into its open chunks. */
  add(batch: LineBatch): void {
    this.dirty = true;
    const picks = this.selector.select(batch);
    const { buf, bounds, count, segment } = batch;
    // Which lines any hook keeps, and how many bytes they need.
    if (this.at.length < count + 1) this.at = new Int32Array(count + 1);
    this.at.fill(-1, 0, count);
    let need = 0;
    for (const p of picks) {
      for (const i of p.lines) {
        if (this.at[i] === -1) {
          this.at[i] = -2;
          need += bounds[i + 1]! - bounds[i]!;
        }
      }
    }
    if (need === 0) return;
    if (this.used + need > this.arena.length) this.newArena(need);
    // Copy the kept lines in runs, noting where each one lands.
    let runStart = -1;
    let runEnd = -1;
    for (let i = 0; i < count; i++) {
      if (this.at[i] !== -2) continue;
      const s = bounds[i]!;
      if (s !== runEnd) {
        this.copy(buf, runStart, runEnd);
        runStart = s;
      }
      this.at[i] = this.used + (s - runStart);
      runEnd = bounds[i + 1]!;
    }
    this.copy(buf, runStart, runEnd);

    if (this.keyOf.path !== segment.path) this.keyOf = { path: segment.path, key: segmentKey(segment.dir, segment.name) };
    for (let h = 0; h < picks.length; h++) {
      const { lines, endpoints } = picks[h]!;
      const name = this.hooks[h]!.name;
      // the queue id once per run of one endpoint, not per record
      let endpoint = '';
      let queueId = endpoints === null && lines.length > 0 ? this.queueIdOf(name, '') : 0;
      for (let k = 0; k < lines.length; k++) {
        const i = lines[k]!;
        if (endpoints !== null && (k === 0 || endpoints[k] !== endpoint)) {
          endpoint = endpoints[k]!;
          queueId = this.queueIdOf(name, endpoint);
        }
        const start = this.at[i]!;
        this.append(h, queueId, segment, batch.firstLine + i, start, start + (bounds[i + 1]! - bounds[i]!));
      }
      this.queued[h]! += lines.length;
    }
  }

  /**
   * Closes every open chunk and hands over everything pending, with whether lines were consumed
   * since the last take (then the checkpoint must be committed even with no chunk).
   */
  take(): { chunks: ChunkInput[]; records: number; consumed: boolean } {
    for (const c of [...this.open.values()]) this.close(c);
    this.open.clear();
    const out = { chunks: this.pending, records: this.pendingRecords, consumed: this.dirty };
    this.pending = [];
    this.pendingRecords = 0;
    this.pendingBytesN = 0;
    this.dirty = false;
    return out;
  }

  private append(h: number, queueId: number, segment: SegmentRef, line: number, start: number, end: number): void {
    const hook = this.hooks[h]!;
    let c = this.last !== null && this.last.queueId === queueId ? this.last : this.open.get(queueId);
    if (c !== undefined) {
      const n = c.n;
      const fits = c.segment === segment && n < hook.chunkRecords && c.bytes + (end - start) + n + 2 <= hook.chunkBytes;
      if (!fits) {
        this.close(c);
        c = undefined;
      }
    }
    if (c === undefined) c = this.openChunk(queueId, h, segment);
    this.last = c;
    const n = c.n;
    if (n === c.lines.length) grow(c);
    if (n > 0 && c.ends[n - 1] !== start) c.contiguous = false;
    c.lines[n] = line;
    c.starts[n] = start;
    c.ends[n] = end;
    c.n = n + 1;
    c.bytes += end - start;
    this.pendingRecords++;
    this.pendingBytesN += end - start;
  }

  private openChunk(queueId: number, hook: number, segment: SegmentRef): OpenChunk {
    const c = this.spare.pop() ?? { queueId, hook, segment, segmentKey: '', n: 0, lines: new Uint32Array(OPEN_CHUNK_RECORDS), starts: new Uint32Array(OPEN_CHUNK_RECORDS), ends: new Uint32Array(OPEN_CHUNK_RECORDS), bytes: 0, contiguous: true };
    c.queueId = queueId;
    c.hook = hook;
    c.segment = segment;
    c.segmentKey = this.keyOf.key;
    c.n = 0;
    c.bytes = 0;
    c.contiguous = true;
    this.open.set(queueId, c);
    return c;
  }

  /** The chunk as a view of the arena from its first record to its last, spans rebased. */
  private close(c: OpenChunk): void {
    if (this.open.get(c.queueId) === c) this.open.delete(c.queueId);
    if (this.last === c) this.last = null;
    const n = c.n;
    if (n === 0) return;
    const base = c.starts[0]!;
    const last = c.ends[n - 1]!;
    const input: ChunkInput = {
      queueId: c.queueId,
      stream: c.segment.stream,
      segment: c.segment.name,
      segmentKey: c.segmentKey,
      lines: c.lines.slice(0, n),
      body: this.arena.subarray(base, last),
      ends: rebased(c.ends, n, base),
    };
    if (!c.contiguous) input.starts = rebased(c.starts, n, base);
    this.pending.push(input);
    c.n = 0;
    this.spare.push(c);
  }

  /** Open chunks are views of the current arena: they close before a new one starts. */
  private newArena(need: number): void {
    const open = this.open.size;
    for (const c of [...this.open.values()]) this.close(c);
    const size = Math.min(ARENA_MAX_BYTES, Math.max(ARENA_BYTES, open * ARENA_BYTES_PER_OPEN_CHUNK));
    this.arena = Buffer.allocUnsafe(Math.max(size, need));
    this.used = 0;
  }

  private copy(buf: Buffer, s: number, e: number): void {
    if (s < 0 || e <= s) return;
    buf.copy(this.arena, this.used, s, e);
    this.used += e - s;
  }
}

function grow(c: OpenChunk): void {
  const size = c.lines.length * 2;
  for (const k of ['lines', 'starts', 'ends'] as const) {
    const a = new Uint32Array(size);
    a.set(c[k]);
    c[k] = a;
  }
}

/** The first `n` offsets, relative to `base`. */
function rebased(offsets: Uint32Array, n: number, base: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = offsets[i]! - base;
  return out;
}
