// Durations read as 250ms, 30s, 1m, 20m, 7d (and plain milliseconds); sizes as 512KiB, 5MB (and
// plain bytes). Errors name the option so the user knows what to fix.
import { UsageError } from '../util/errors.js';

const durationUnits: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

const sizeUnits: Record<string, number> = {
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1000 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

function parseWithUnits(text: string, units: Record<string, number>, what: string, name: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) throw new UsageError(`${name}: "${text}" is not a ${what}`);
  const unit = m[2]!.toLowerCase();
  const factor = unit === '' ? 1 : units[unit];
  if (factor === undefined) {
    throw new UsageError(`${name}: unknown unit "${m[2]}" in "${text}" (use ${Object.keys(units).join(', ')})`);
  }
  return Math.round(Number(m[1]) * factor);
}

/** Milliseconds from `250ms`, `30s`, `1m`, `7d`, or a plain number of milliseconds. */
export function parseDuration(text: string, name = 'duration'): number {
  return parseWithUnits(text, durationUnits, 'duration (e.g. 250ms, 30s, 1m, 7d)', name);
}

/** Bytes from `512KiB`, `5MB`, or a plain number of bytes. */
export function parseSize(text: string, name = 'size'): number {
  return parseWithUnits(text, sizeUnits, 'size (e.g. 512KiB, 5MB)', name);
}

/** A positive integer option. */
export function parseCount(text: string, name: string, min = 1): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new UsageError(`${name}: "${text}" is not a whole number`);
  const n = Number(text);
  if (n < min) throw new UsageError(`${name}: must be at least ${min}, got ${n}`);
  return n;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)}m`;
  if (ms < 86_400_000) return `${+(ms / 3_600_000).toFixed(1)}h`;
  return `${+(ms / 86_400_000).toFixed(1)}d`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 ** 2) return `${+(n / 1024).toFixed(1)}KiB`;
  if (n < 1024 ** 3) return `${+(n / 1024 ** 2).toFixed(1)}MiB`;
  return `${+(n / 1024 ** 3).toFixed(2)}GiB`;
}
