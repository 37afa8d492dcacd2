// An in-memory QueuePort with the semantics src/deliver/queue-port.ts documents (settle removes
// the row; each record to retry becomes a row of its own). Records every call.
import type { QueuedRow } from '../../src/spool/types.js';
import type { QueuePort, RecordResult } from '../../src/deliver/queue-port.js';

export interface Dead {
  eventId: string;
  record: string;
  disposition: string;
  reason: 'final' | 'expired';
  attempts: number;
}

/** The records a settle retried (one entry per settle that retried any). */
export interface RetryCall {
  rowId: number;
  eventIds: string[];
  dueAts: number[];
  disposition: string;
  attempts: number;
}

export interface SettleCall {
  rowId: number;
  eventIds: string[];
  results: RecordResult[];
}

export class FakeQueue implements QueuePort {
  rows = new Map<number, QueuedRow>();
  claimed = new Set<number>();
  delivered: string[] = [];
  dead: Dead[] = [];
  retries: RetryCall[] = [];
  acks: number[][] = [];
  settles: SettleCall[] = [];
  endpointNotes: { url: string; what: { error?: string; ok?: boolean }; now: number }[] = [];
  private nextRowId = 1;
  private nextLine = 0;

  constructor(private readonly segmentKey = '0123456789abcdef') {}

  /** Adds a row of `records` (strings or objects; each gets a trailing "\n"). Returns it. */
  add(records: (string | object)[], opts: { createdAt?: number; dueAt?: number; attempts?: number; firstLine?: number } = {}): QueuedRow {
    const texts = records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r)) + '\n');
    const body = Buffer.from(texts.join(''));
    const ends = new Uint32Array(texts.length);
    let end = 0;
    texts.forEach((t, i) => (ends[i] = end += Buffer.byteLength(t)));
    const first = opts.firstLine ?? this.nextLine;
    this.nextLine = first + texts.length;
    const msg: QueuedRow = {
      rowId: this.nextRowId++,
      queueId: 1,
      starts: null,
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

  takeDue(maxRecords: number, now: number): QueuedRow[] {
    const due = [...this.rows.values()]
      .filter((r) => !this.claimed.has(r.rowId) && r.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt || a.rowId - b.rowId);
    const out: QueuedRow[] = [];
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
    this.acks.push(rowIds);
    for (const id of rowIds) {
      const r = this.take(id);
      this.delivered.push(...ids(r));
    }
  }

  /** event ids a stop left queued untried */
  readonly unsent: string[] = [];

  settle(msg: QueuedRow, results: RecordResult[], _now: number): void {
    if (results.length !== msg.ends.length) throw new Error(`fake queue: ${results.length} results for row ${msg.rowId} of ${msg.ends.length}`);
    this.take(msg.rowId);
    const eventIds = ids(msg);
    this.settles.push({ rowId: msg.rowId, eventIds, results });
    const retry: RetryCall = { rowId: msg.rowId, eventIds: [], dueAts: [], disposition: '', attempts: msg.attempts + 1 };
    results.forEach((r, i) => {
      const start = i === 0 ? 0 : msg.ends[i - 1]!;
      const body = msg.body.subarray(start, msg.ends[i]!);
      if (r.kind === 'delivered') this.delivered.push(eventIds[i]!);
      else if (r.kind === 'dead') {
        const attempts = msg.attempts + (r.reason === 'final' ? 1 : 0);
        this.dead.push({ eventId: eventIds[i]!, record: body.toString(), disposition: r.disposition, reason: r.reason, attempts });
      } else if (r.kind === 'unsent') {
        const row: QueuedRow = { ...msg, rowId: this.nextRowId++, lines: Uint32Array.of(msg.lines[i]!), body, ends: Uint32Array.of(body.length) };
        this.rows.set(row.rowId, row);
        this.unsent.push(eventIds[i]!);
      } else {
        retry.eventIds.push(eventIds[i]!);
        retry.dueAts.push(r.dueAt);
        retry.disposition = r.disposition;
        const row: QueuedRow = {
          ...msg,
          rowId: this.nextRowId++,
          lines: Uint32Array.of(msg.lines[i]!),
          body,
          ends: Uint32Array.of(body.length),
          attempts: msg.attempts + 1,
          dueAt: r.dueAt,
          disposition: r.disposition,
        };
        this.rows.set(row.rowId, row);
      }
    });
    if (retry.dueAts.length > 0) this.retries.push(retry);
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

  private take(rowId: number): QueuedRow {
    const r = this.rows.get(rowId);
    if (!r) throw new Error(`fake queue: row ${rowId} is not queued`);
    if (!this.claimed.has(rowId)) throw new Error(`fake queue: row ${rowId} was not claimed`);
    this.rows.delete(rowId);
    this.claimed.delete(rowId);
    return r;
  }
}

function ids(r: QueuedRow): string[] {
  return Array.from(r.lines, (l) => `${r.segmentKey}-${l}`);
}
