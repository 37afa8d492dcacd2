// KumoMTA's JsonLogRecord with its own field names and type spellings (KumoMTA's docs:
// reference/log_record; test/fixtures/docs-examples/ holds its examples).
// Lenient: unknown fields are kept, optional fields may be missing (old releases lack some),
// `recipient` is a string or (2025.12+) an array.

export const RECORD_TYPES = [
  'Reception', 'Delivery', 'Bounce', 'TransientFailure', 'Expiration', 'AdminBounce', 'OOB', 'Feedback',
  'Rejection', 'AdminRebind', 'DeferredInjectionRebind', 'Delayed', 'XferOut', 'XferIn',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface KumoResponse {
  code?: number;
  enhanced_code?: { class: number; subject: number; detail: number } | null;
  content?: string;
  command?: string | null;
}

export interface KumoRecord {
  type: string;
  id?: string;
  sender?: string;
  recipient?: string | string[];
  queue?: string;
  site?: string;
  size?: number;
  response?: KumoResponse;
  peer_address?: { name: string; addr: string } | null;
  timestamp?: number;
  event_time?: string;
  created?: number;
  created_time?: string;
  num_attempts?: number;
  bounce_classification?: string;
  egress_pool?: string | null;
  egress_source?: string | null;
  source_address?: { address: string; server?: string; protocol?: string } | null;
  feedback_report?: Record<string, unknown> | null;
  meta?: Record<string, unknown>;
  headers?: Record<string, string | string[]>;
  delivery_protocol?: string | null;
  reception_protocol?: string | null;
  nodeid?: string;
  [field: string]: unknown;
}

export class RecordParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordParseError';
  }
}

/** Parses one line. A line that is not a JSON object throws RecordParseError. */
export function parseRecord(text: string): KumoRecord {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new RecordParseError(`not JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new RecordParseError('not a JSON object');
  const rec = v as KumoRecord;
  // Other writers (the accounting log) have no type: keep the record, give it an empty one.
  if (typeof rec.type !== 'string') rec.type = '';
  return rec;
}

/** The record's recipients whatever the spelling: "" and missing give []. */
export function recipients(rec: KumoRecord): string[] {
  const r = rec.recipient;
  if (Array.isArray(r)) return r.filter((x): x is string => typeof x === 'string' && x !== '');
  return typeof r === 'string' && r !== '' ? [r] : [];
}

export function isKnownType(type: string): type is RecordType {
  return (RECORD_TYPES as readonly string[]).includes(type);
}
