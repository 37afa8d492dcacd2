// An in-memory QueuePort with the semantics src/deliver/queue-port.ts documents (retry scatters
// a row into one row per record; split keeps everything but the claim). Records every call.
import type { QueuedMessage } from '../../src/spool/types.js';
import type { QueuePort } from '../../src/deliver/queue-port.js';

export interface Dead {
  eventId: string;
  record: string;
  disposition: string;
  reason: 'final' | 'expired';
  attempts: number;
}

export interface RetryCall {
  rowId: number;
  eventIds: string[];
  dueAts: number[];
  disposition: string;
  attempts: number;
}

export class FakeQueue implements QueuePort {
  rows = new Map<number, QueuedMessage>();
  claimed = new Set<number>();
  delivered: string[] = [];
  dead: Dead[] = [];
  retries: RetryCall[] = [];
  splits: { rowId: number; cuts: number[] }[] = [];
  endpointNotes: { url: string; what: { error?: string; ok?: boolean }; now: number }[] = [];
  private nextRowId = 1;
  private nextLine = 0;

  constructor(private readonly segmentKey = '0123456789abcdef') {}

  /** Adds a row of `records` (strings or objects; each gets a trailing "\n"). Returns it. */
  add(records: (string | object)[], opts: { createdAt?: number; dueAt?: number; attempts?: number; firstLine?: number } = {}): QueuedMessage {
    const texts = records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r)) + '\n');
    const body = Buffer.from(texts.join(''));
    const ends = new Uint32Array(texts.length);
    let end = 0;
    texts.forEach((t, i) => (ends[i] = end += Buffer.byteLength(t)));
    const first = opts.firstLine ?? this.nextLine;
    this.nextLine = first + texts.length;
    const msg: QueuedMessage = {
      rowId: this.nextRowId++,
      stream: 'test',
      segment: '20250101-000000',
      segmentKey: this.segmentKey,
      lines: Uint32Array.from(texts, (_, i) => first + i),
      body,
      ends,
      createdAt: opts.createdAt ?? 0,
      attempts: opts.attempts ?? 0,
      dueAt: opts.dueAt ?? opts.createdAt ?? 0,
      disposition: null,
    };
    this.rows.set(msg.rowId, msg);
    return msg;
  }

  takeDue(maxRecords: number, now: number): QueuedMessage[] {
    const due = [...this.rows.values()]
      .filter((r) => !this.claimed.has(r.rowId) && r.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt || a.rowId - b.rowId);
    const out: QueuedMessage[] = [];
    let n = 0;
    for (const r of due) {
      if (out.length > 0 && n + r.ends.length > maxRecords) break;
      out.push(r);
      n += r.ends.length;
      this.claimed.add(r.rowId);
    }
    return out;
  }

  nextDueAt(): number | null {
    let min: number | null = null;
    for (const r of this.rows.values()) if (!this.claimed.has(r.rowId) && (min === null || r.dueAt < min)) min = r.dueAt;
    return min;
  }

  ack(rowIds: number[]): void {
    for (const id of rowIds) {
      const r = this.take(id);
      this.delivered.push(...ids(r));
    }
  }

  retry(msg: QueuedMessage, dueAts: number[], disposition: string, _now: number): void {
    this.take(msg.rowId);
    this.retries.push({ rowId: msg.rowId, eventIds: ids(msg), dueAts, disposition, attempts: msg.attempts + 1 });
    for (let i = 0; i < msg.ends.length; i++) {
      const start = i === 0 ? 0 : msg.ends[i - 1]!;
      const body = msg.body.subarray(start, msg.ends[i]!);
      const row: QueuedMessage = {
        ...msg,
        rowId: this.nextRowId++,
        lines: Uint32Array.of(msg.lines[i]!),
        body,
        ends: Uint32Array.of(body.length),
        attempts: msg.attempts + 1,
        dueAt: dueAts[i]!,
        disposition,
      };
      this.rows.set(row.rowId, row);
    }
  }

  bury(msg: QueuedMessage, disposition: string, reason: 'final' | 'expired', _now: number): void {
    this.take(msg.rowId);
    ids(msg).forEach((eventId, i) => {
      const start = i === 0 ? 0 : msg.ends[i - 1]!;
      const record = msg.body.subarray(start, msg.ends[i]!).toString();
      this.dead.push({ eventId, record, disposition, reason, attempts: msg.attempts });
    });
  }

  split(msg: QueuedMessage, cuts: number[]): void {
    this.take(msg.rowId);
    this.splits.push({ rowId: msg.rowId, cuts });
    const bounds = [0, ...cuts, msg.ends.length];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const from = bounds[k]!;
      const to = bounds[k + 1]!;
      const start = from === 0 ? 0 : msg.ends[from - 1]!;
      const row: QueuedMessage = {
        ...msg,
        rowId: this.nextRowId++,
        lines: msg.lines.slice(from, to),
        body: msg.body.subarray(start, msg.ends[to - 1]!),
        ends: msg.ends.slice(from, to).map((e) => e - start),
      };
      this.rows.set(row.rowId, row);
    }
  }

  noteEndpoint(url: string, what: { error?: string; ok?: boolean }, now: number): void {
    this.endpointNotes.push({ url, what, now });
  }

  /** Records still queued (claimed or not). */
  get queuedRecords(): number {
    let n = 0;
    for (const r of this.rows.values()) n += r.ends.length;
    return n;
  }

  private take(rowId: number): QueuedMessage {
    const r = this.rows.get(rowId);
    if (!r) throw new Error(`fake queue: row ${rowId} is not queued`);
    if (!this.claimed.has(rowId)) throw new Error(`fake queue: row ${rowId} was not claimed`);
    this.rows.delete(rowId);
    this.claimed.delete(rowId);
    return r;
  }
}

function ids(r: QueuedMessage): string[] {
  return Array.from(r.lines, (l) => `${r.segmentKey}-${l}`);
}
