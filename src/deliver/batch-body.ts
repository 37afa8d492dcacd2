// The request body of a batch, built from the records' raw bytes (never parsed and re-encoded):
//   1 record          the record exactly as kumod wrote it, trailing "\n" included,
//                     Content-Type: application/json (what KumoMTA's new_json sends)
//   n > 1, `array`    [r1,r2,...]: each record's trailing "\n" becomes "," (the last one "]"),
//                     Content-Type: application/json (KumoMTA's batched hooks send an array)
//   n > 1, `ndjson`   the records concatenated, one per line, Content-Type: application/x-ndjson
// An array body is therefore exactly 1 byte longer than the records; an ndjson body is exactly
// as long. One Buffer of the exact size is allocated and each row's bytes copied in one go (record
// by record for a row whose records are not back to back: a hook that took some of a chunk).
import { recordBytes, recordStart, spanBytes, type QueuedRow } from '../spool/types.js';

export type BatchFormat = 'array' | 'ndjson';

export const CONTENT_TYPE_JSON = 'application/json';
export const CONTENT_TYPE_NDJSON = 'application/x-ndjson';

export interface BatchBody {
  body: Buffer;
  contentType: string;
  records: number;
}

/** Records [from, to) of a row. */
export interface RowSlice {
  msg: Pick<QueuedRow, 'body' | 'ends' | 'starts'>;
  from: number;
  to: number;
}

const NL = 0x0a;
const COMMA = 0x2c;

/** Body size for `records` records totalling `recordBytes` bytes (newlines included). */
export function bodySize(records: number, recordBytes: number, format: BatchFormat): number {
  return records > 1 && format === 'array' ? recordBytes + 1 : recordBytes;
}

export function contentTypeFor(records: number, format: BatchFormat): string {
  return records > 1 && format === 'ndjson' ? CONTENT_TYPE_NDJSON : CONTENT_TYPE_JSON;
}


/** Allocates the bytes of a built body (a pool, or plain allocation). */
export type Allocate = (size: number) => Buffer;
const allocate: Allocate = (size) => Buffer.allocUnsafe(size);

export function bodyFromSlices(slices: readonly RowSlice[], format: BatchFormat, alloc: Allocate = allocate): BatchBody {
  let records = 0;
  let bytes = 0;
  let gaps = false;
  for (const s of slices) {
    records += s.to - s.from;
    bytes += spanBytes(s.msg, s.from, s.to);
    if (s.msg.starts !== null && s.to - s.from > 1) gaps = true;
  }
  const contentType = contentTypeFor(records, format);
  if (gaps) return bodyFromRecords(sliceRecords(slices), format, alloc);
  if (slices.length === 1 && (records === 1 || format === 'ndjson')) {
    const s = slices[0]!;
    return { body: s.msg.body.subarray(sliceStart(s), sliceEnd(s)), contentType, records };
  }
  if (records <= 1 || format === 'ndjson') {
    const body = alloc(bytes);
    let pos = 0;
    for (const s of slices) pos += s.msg.body.copy(body, pos, sliceStart(s), sliceEnd(s));
    return { body, contentType, records };
  }
  const out = alloc(bytes + 1);
  out[0] = 0x5b; // [
  let pos = 1;
  for (const s of slices) {
    const start = sliceStart(s);
    s.msg.body.copy(out, pos, start, sliceEnd(s));
    const base = pos - start - 1;
    for (let i = s.from; i < s.to; i++) {
      const at = base + s.msg.ends[i]!;
      // The contract says every record ends in "\n"; if one does not, take the careful path
      // rather than overwrite a byte of JSON.
      if (out[at] !== NL) return bodyFromRecords(sliceRecords(slices), format);
      out[at] = COMMA;
    }
    pos += sliceEnd(s) - start;
  }
  out[out.length - 1] = 0x5d; // ]
  return { body: out, contentType, records };
}

/** Body of separate record buffers (each normally ending in "\n"; a missing one is tolerated). */
export function bodyFromRecords(recs: readonly Buffer[], format: BatchFormat, alloc: Allocate = allocate): BatchBody {
  const records = recs.length;
  const contentType = contentTypeFor(records, format);
  if (records === 1) return { body: recs[0]!, contentType, records };
  if (records === 0) return { body: Buffer.from(format === 'array' ? '[]' : ''), contentType, records };
  if (format === 'ndjson') {
    let size = 0;
    for (const r of recs) size += r.length + (r.length === 0 || r[r.length - 1] !== NL ? 1 : 0);
    const out = alloc(size);
    let pos = 0;
    for (const r of recs) {
      pos += r.copy(out, pos);
      if (r.length === 0 || r[r.length - 1] !== NL) out[pos++] = NL;
    }
    return { body: out, contentType, records };
  }
  let size = 1 + records; // "[" + separators + "]"
  for (const r of recs) size += r.length - (r.length > 0 && r[r.length - 1] === NL ? 1 : 0);
  const out = alloc(size);
  out[0] = 0x5b;
  let pos = 1;
  for (const r of recs) {
    const len = r.length - (r.length > 0 && r[r.length - 1] === NL ? 1 : 0);
    r.copy(out, pos, 0, len);
    pos += len;
    out[pos++] = COMMA;
  }
  out[size - 1] = 0x5d;
  return { body: out, contentType, records };
}

function sliceStart(s: RowSlice): number {
  return recordStart(s.msg, s.from);
}

function sliceEnd(s: RowSlice): number {
  return s.to === 0 ? 0 : s.msg.ends[s.to - 1]!;
}

function sliceRecords(slices: readonly RowSlice[]): Buffer[] {
  const out: Buffer[] = [];
  for (const s of slices) for (let i = s.from; i < s.to; i++) out.push(recordBytes(s.msg, i));
  return out;
}
