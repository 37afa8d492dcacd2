// `loghook status --check`: the state dir judged against thresholds, as a Nagios plugin answers:
// one line `LOGHOOK <STATE> - <what> | <perfdata>` and the plugin exit codes (0 OK, 1 WARNING,
// 2 CRITICAL, 3 UNKNOWN), so that Nagios, Icinga, Sensu or a cron line can use it as it is.
import { formatDuration } from '../config/units.js';
import type { Status } from './status.js';

export interface CheckThresholds {
  /** a stream further behind than this (ms) is critical */
  maxLagMs?: number;
  /** a queued record older than this (ms) is critical */
  maxOldestMs?: number;
  /** more dead letters than this are critical */
  maxDead?: number;
}

/** The plugin exit codes (Nagios plugin guidelines), used by --check only. */
export const CheckCode = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;
export type CheckCodeValue = (typeof CheckCode)[keyof typeof CheckCode];

const WORD: Record<CheckCodeValue, string> = { 0: 'OK', 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN' };

export interface CheckResult {
  code: CheckCodeValue;
  line: string;
}

export function checkStatus(s: Status, t: CheckThresholds, now: number): CheckResult {
  const critical: string[] = [];
  const warning: string[] = [];
  // lag: the stream furthest behind; a stream that cannot be listed has no lag to judge
  let lagS = 0;
  for (const st of s.streams) {
    if (st.error) warning.push(`${st.stream}: cannot list it (${st.error})`);
    else if (st.lagSeconds !== null) {
      lagS = Math.max(lagS, st.lagSeconds);
      if (t.maxLagMs !== undefined && st.lagSeconds * 1000 > t.maxLagMs) critical.push(`${st.stream} is ${formatDuration(st.lagSeconds * 1000)} behind (max ${formatDuration(t.maxLagMs)})`);
    }
  }
  const oldestAt = s.queue.oldestCreatedAt;
  const oldestMs = oldestAt === null ? 0 : Math.max(0, now - oldestAt);
  if (t.maxOldestMs !== undefined && oldestMs > t.maxOldestMs) {
    const hooks = s.hooks.filter((h) => h.oldestCreatedAt !== null && now - h.oldestCreatedAt > t.maxOldestMs!).map((h) => `'${h.name}'`);
    critical.push(`oldest queued record ${formatDuration(oldestMs)} old (max ${formatDuration(t.maxOldestMs)})${hooks.length ? ` in hook ${hooks.join(', ')}` : ''}`);
  }
  const dead = s.queue.deadCount;
  if (t.maxDead !== undefined && dead > t.maxDead) {
    const hooks = s.hooks.filter((h) => h.dead > 0).map((h) => `'${h.name}' ${h.dead}`);
    critical.push(`${dead} dead letters (max ${t.maxDead})${hooks.length > 1 ? `: ${hooks.join(', ')}` : ''}; loghook dead list`);
  }
  for (const u of s.unreadable) warning.push(`cannot read ${u.path}: ${u.error}`);
  const code = critical.length ? CheckCode.critical : warning.length ? CheckCode.warning : CheckCode.ok;
  const summary = critical.length || warning.length ? [...critical, ...warning].join('; ') : `lag ${formatDuration(lagS * 1000)}, oldest queued ${oldestAt === null ? '-' : formatDuration(oldestMs)}, ${dead} dead letters, ${s.queue.records} queued`;
  // perfdata: label=value[unit];warn;crit (the thresholds given are critical ones)
  const perf = `lag=${round(lagS)}s;;${limit(t.maxLagMs)} oldest=${round(oldestMs / 1000)}s;;${limit(t.maxOldestMs)} dead=${dead};;${t.maxDead ?? ''} queued=${s.queue.records}`;
  return { code, line: `LOGHOOK ${WORD[code]} - ${summary} | ${perf}` };
}

/** `loghook status --check` could not read the state dir at all. */
export function unknownCheck(why: string): CheckResult {
  return { code: CheckCode.unknown, line: `LOGHOOK UNKNOWN - ${why}` };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function limit(ms: number | undefined): string {
  return ms === undefined ? '' : String(ms / 1000);
}
