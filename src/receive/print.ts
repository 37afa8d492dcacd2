// How `loghook receive` shows what arrived. text (a terminal): a summary line per request, then a
// line per record with its type, recipient and event id. json (a pipe): one object per record,
// with the request's headers of interest; a request without records still gets one object.
// Credentials are never printed: an Authorization header shows as "(redacted)".
import type { IncomingHttpHeaders } from 'node:http';
import { formatBytes } from '../config/units.js';
import { header, type ParsedBody } from './body.js';
import type { Verdict } from './verify.js';

export type PrintFormat = 'text' | 'json';

export interface RequestReport {
  /** 1-based arrival order */
  seq: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** body bytes as sent, and after Content-Encoding was undone */
  bytes: number;
  decodedBytes: number;
  body: ParsedBody | null;
  /** why the body could not be read, or null */
  error: string | null;
  /** null: no secret given, nothing checked */
  signature: Verdict | null;
  status: number;
}

/** Request headers worth showing, in this order. */
const SHOWN = [
  'content-type', 'content-encoding', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature',
  'idempotency-key', 'loghook-attempt', 'authorization',
] as const;

export function headersOfInterest(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SHOWN) {
    const v = header(headers, name);
    if (v !== null) out[name] = name === 'authorization' ? '(redacted)' : v;
  }
  return out;
}

export function listening(url: string, format: PrintFormat): string {
  return format === 'json' ? JSON.stringify({ listening: url }) + '\n' : url + '\n';
}

export function formatReport(r: RequestReport, format: PrintFormat): string {
  return format === 'json' ? jsonLines(r) : textLines(r);
}

function signatureWord(v: Verdict | null): 'ok' | 'failed' | 'unchecked' {
  return v === null ? 'unchecked' : v.ok ? 'ok' : 'failed';
}

function jsonLines(r: RequestReport): string {
  const common = {
    request: r.seq,
    method: r.method,
    path: r.path,
    status: r.status,
    signature: signatureWord(r.signature),
    ...(r.signature && !r.signature.ok ? { signature_error: r.signature.reason } : {}),
    shape: r.body?.shape ?? null,
    batch_id: r.body?.batchId ?? null,
    bytes: r.bytes,
    decoded_bytes: r.decodedBytes,
    headers: headersOfInterest(r.headers),
  };
  const records = r.body?.records ?? [];
  if (records.length === 0 || r.error) return JSON.stringify({ ...common, records: records.length, error: r.error }) + '\n';
  return records
    .map((rec, index) => JSON.stringify({ ...common, records: records.length, index, event_id: rec.eventId, type: rec.type, recipient: rec.recipient, record: rec.record }) + '\n')
    .join('');
}

function textLines(r: RequestReport): string {
  const parts = [`#${r.seq} ${r.method} ${r.path}`];
  const body = r.body;
  const encoding = header(r.headers, 'content-encoding');
  const size = encoding ? `${formatBytes(r.decodedBytes)}, ${encoding} ${formatBytes(r.bytes)}` : formatBytes(r.bytes);
  if (r.error) parts.push(`unreadable body (${size}): ${r.error}`);
  else if (body) parts.push(`${body.records.length} record${body.records.length === 1 ? '' : 's'} (${body.shape}, ${size})`);
  if (body?.batchId) parts.push(`batch ${body.batchId}`);
  const attempt = header(r.headers, 'loghook-attempt');
  if (attempt) parts.push(`attempt ${attempt}`);
  const sig = r.signature;
  if (sig) parts.push(sig.ok ? `signature OK${sig.over === 'as-sent' ? ' (over the compressed bytes)' : ''}` : `signature FAILED: ${sig.reason}`);
  parts.push(`answered ${r.status}`);
  const lines = [parts.join('  ')];
  for (const rec of body?.records ?? []) {
    lines.push(`  ${(rec.type || '-').padEnd(17)} ${(rec.recipient || '-').padEnd(32)} ${rec.eventId ?? '-'}`);
  }
  return lines.join('\n') + '\n';
}
