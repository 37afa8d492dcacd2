// Stable event ids, derived from a record's position: the same across retries, restarts and
// replays, so a receiver can drop the few duplicates at-least-once delivery allows.
//   event id = <segment key>-<line>
//   segment key = first 16 hex digits of SHA-256("<host>\0<directory>\0<segment name>")
// The host name is part of it so that two nodes with the same log directory never collide.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

export function segmentKey(dir: string, name: string, host: string = hostname()): string {
  return createHash('sha256').update(`${host}\0${dir}\0${name}`).digest('hex').slice(0, 16);
}

export function eventId(segmentKeyHex: string, line: number): string {
  return `${segmentKeyHex}-${line}`;
}
