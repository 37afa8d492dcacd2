// Option value parsers shared by the commands. Each throws UsageError naming the option.
import { parseCount, parseDuration, parseSize } from '../config/units.js';
import { listen as listenField } from '../config/fields.js';
import { UsageError } from '../util/errors.js';
import { globToRegExp } from '../source/segment-name.js';
import { RECORD_TYPES, isKnownType } from '../record/record.js';
import type { LogFormat } from '../telemetry/logger.js';
import type { StartAt } from '../config/schema.js';
import { parseTimeArg } from '../config/time.js';

export const duration = (name: string) => (v: string) => parseDuration(v, name);
export const size = (name: string) => (v: string) => parseSize(v, name);
export const count = (name: string, min = 1) => (v: string) => parseCount(v, name, min);

export function types(v: string): Set<string> {
  const list = v.split(',').map((t) => t.trim()).filter(Boolean);
  const unknown = list.filter((t) => !isKnownType(t));
  if (list.length === 0 || unknown.length > 0) {
    throw new UsageError(`--types: unknown record type ${unknown.map((u) => `"${u}"`).join(', ') || '(empty)'}; known: ${RECORD_TYPES.join(', ')}`);
  }
  return new Set(list);
}

/** "host:port", as [metrics] listen takes it. */
export const listen = (name: string) => (v: string) => {
  const r = listenField.safeParse(v);
  if (!r.success) throw new UsageError(`${name}: ${r.error.issues[0]!.message}`);
  return r.data;
};

export function pattern(v: string): RegExp {
  return globToRegExp(v);
}

/** --start-at: oldest, end, or a time (RFC 3339, unix seconds, or a duration ago like 2h). */
export function startAt(v: string): StartAt {
  const t = v.trim();
  if (t === 'oldest' || t === 'end') return { kind: t };
  return { kind: 'time', atMs: Math.round(parseTimeArg(t, '--start-at', Date.now()) * 1000) };
}

export function logFormat(v: string): LogFormat {
  if (v !== 'text' && v !== 'json') throw new UsageError(`--log-format: "${v}" is not text or json`);
  return v;
}
