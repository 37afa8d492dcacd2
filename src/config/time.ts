// --since / --until values: an ISO 8601 time, unix seconds, or a duration meaning "that long ago".
import { UsageError } from '../util/errors.js';
import { parseDuration } from './units.js';

/** Unix seconds for a --since/--until value, relative to `nowMs`. */
export function parseTimeArg(text: string, name: string, nowMs: number): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  if (/^\d+(\.\d+)?\s*[a-zA-Z]+$/.test(t) && !/^\d{4}/.test(t)) {
    return (nowMs - parseDuration(t, name)) / 1000;
  }
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) {
    throw new UsageError(`${name}: "${text}" is not a time (use 2026-11-01T00:00:00Z, unix seconds, or a duration ago like 2h)`);
  }
  return ms / 1000;
}
