// What a decoded request body holds: the shapes loghook (and KumoMTA) send.
//   single    one record, a JSON object (KumoMTA's new_json, loghook --batch-size 1)
//   array     a JSON array of records (a batch)
//   ndjson    records one per line (--batch-format ndjson)
//   envelope  {"batch_id": ..., "events": [{"id": ..., "record": {...}}]}
// Event ids come from the envelope, else from the headers: webhook-id for a single record,
// Loghook-Event-Ids (comma-separated, body order) for a batch.
import type { IncomingHttpHeaders } from 'node:http';
import { recipients } from '../record/record.js';
import { parseEventIdList } from '../hook/event-id-list.js';

export type BodyShape = 'single' | 'array' | 'ndjson' | 'envelope' | 'empty';

export interface ReceivedRecord {
  /** the record's `type`, "" when it has none */
  type: string;
  /** its recipients, comma-joined ("" when none) */
  recipient: string;
  /** the event id the sender gave it, or null */
  eventId: string | null;
  /** the record as parsed */
  record: unknown;
}

export interface ParsedBody {
  shape: BodyShape;
  /** the envelope's batch_id, or the webhook-id of a batch */
  batchId: string | null;
  records: ReceivedRecord[];
}

export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

export function parseBody(body: Buffer, headers: IncomingHttpHeaders): ParsedBody {
  const text = body.toString('utf8');
  const webhookId = header(headers, 'webhook-id');
  const list = header(headers, 'loghook-event-ids');
  const listed = list === null || list === undefined ? undefined : parseEventIdList(list.replace(/\s+/g, ''));
  // A request of one record carries its event id as webhook-id and no list.
  const headerIds = listed ?? (webhookId !== null ? [webhookId] : []);
  if (text.trim() === '') return { shape: 'empty', batchId: null, records: [] };
  if (header(headers, 'content-type')?.includes('ndjson')) return parseNdjson(text, webhookId, headerIds);

  let whole: unknown;
  let wholeOk = true;
  try {
    whole = JSON.parse(text);
  } catch {
    wholeOk = false;
  }
  if (wholeOk) {
    if (Array.isArray(whole)) {
      return { shape: 'array', batchId: webhookId, records: whole.map((r, i) => received(r, headerIds[i] ?? null)) };
    }
    if (isEnvelope(whole)) {
      return {
        shape: 'envelope',
        batchId: typeof whole.batch_id === 'string' ? whole.batch_id : String(whole.batch_id ?? ''),
        records: whole.events.map((e, i) => {
          const ev = (e ?? {}) as { id?: unknown; record?: unknown };
          const id = typeof ev.id === 'string' ? ev.id : (headerIds[i] ?? null);
          return received(ev.record ?? e, id);
        }),
      };
    }
    return { shape: 'single', batchId: null, records: [received(whole, headerIds[0] ?? null)] };
  }

  // Not one JSON value: NDJSON whatever its Content-Type says.
  return parseNdjson(text, webhookId, headerIds);
}

/** One record per non-empty line. */
function parseNdjson(text: string, webhookId: string | null, headerIds: string[]): ParsedBody {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const records = lines.map((line, i) => {
    try {
      return received(JSON.parse(line), headerIds[i] ?? null);
    } catch (err) {
      throw new BodyError(`line ${i + 1} of the body is not JSON: ${(err as Error).message}`);
    }
  });
  return { shape: 'ndjson', batchId: webhookId, records };
}

function isEnvelope(v: unknown): v is { batch_id?: unknown; events: unknown[] } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'events' in v && Array.isArray((v as { events: unknown }).events);
}

function received(record: unknown, eventId: string | null): ReceivedRecord {
  const obj = record !== null && typeof record === 'object' && !Array.isArray(record) ? (record as Record<string, unknown>) : null;
  return {
    type: typeof obj?.type === 'string' ? obj.type : '',
    recipient: obj ? recipients(obj as { type: string }).join(',') : '',
    eventId,
    record,
  };
}

export function header(headers: IncomingHttpHeaders, name: string): string | null {
  const v = headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(', ') : v;
}
