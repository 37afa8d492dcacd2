// Stable event ids, derived from a record's position: the same across retries, restarts, replays
// and hooks (the id names the record, not the delivery), so a receiver can drop the few duplicates
// at-least-once delivery allows. The only spelling of these formats:
//   event id    = <segment key>-<line>
//   segment key = first 16 hex digits of SHA-256("<host>\0<directory>\0<segment name>")
//   batch id    = b- + first 32 hex digits of SHA-256(<event ids joined by ",">)
//   test key    = loghook-test- + 8 random hex digits (`loghook send-test`: never a real record's)
// The host name is part of the segment key so that two nodes with the same log directory never
// collide.
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function segmentKey(dir: string, name: string, host: string = hostname()): string {
  return createHash('sha256').update(`${host}\0${dir}\0${name}`).digest('hex').slice(0, 16);
}

/** The segment key of `loghook send-test`'s sample record: new on every run, so receivers that drop duplicates take each test. */
export function testSegmentKey(): string {
  return `loghook-test-${randomBytes(4).toString('hex')}`;
}

export function eventId(segmentKeyHex: string, line: number): string {
  return `${segmentKeyHex}-${line}`;
}

/** Records [from, to) of a row, for their ids. */
export interface IdRange {
  msg: { segmentKey: string; lines: ArrayLike<number> };
  from: number;
  to: number;
}

/** Event ids of the records of `ranges`, in order. */
export function eventIdsOf(ranges: readonly IdRange[]): string[] {
  const out: string[] = [];
  for (const { msg, from, to } of ranges) for (let i = from; i < to; i++) out.push(eventId(msg.segmentKey, msg.lines[i]!));
  return out;
}

/** The id of a batch: stable for the same records in the same order. */
export function batchId(eventIds: readonly string[]): string {
  return 'b-' + createHash('sha256').update(eventIds.join(',')).digest('hex').slice(0, 32);
}

/** A request's id: the record's own id when it carries one, else the batch id. */
export function requestId(eventIds: readonly string[]): string {
  return eventIds.length === 1 ? eventIds[0]! : batchId(eventIds);
}
