// How a `tail` run ends: its exit code and the lines that say why. Pure: the pipeline hands in a
// summary of the run. With --once the code tells cron what happened; when several apply, the one
// that needs the operator most wins:
//   5  input unreadable   retries cannot fix it, the operator must (even if the rest was delivered)
//   14 interrupted        SIGINT/SIGTERM: the run did not finish, so what it says is partial
//   13 misconfigured      an endpoint's setup is wrong (certificate, redirect, 401/403/404 held)
//   12 unreachable        an endpoint never answered any request in this run
//   11 dead-lettered      records went to the dead letters in this run
//   10 retries pending    records stay queued for a retry; the next run sends them
//   0  caught up
// Every condition that applies gets its line, whichever code wins. Following (no --once), a run
// ends only on a signal, and that is its normal end: 0.
import { ExitCode, type ExitCodeValue } from '../util/errors.js';

export interface EndpointSummary {
  /** as logs show it, secrets masked */
  name: string;
  /** records still queued for it */
  backlog: number;
  requestsDone: number;
  answered: number;
  misconfigured: string | null;
  lastError: string | null;
}

export interface HookSummary {
  name: string;
  /** records it sent to the dead letters in this run (final answers and expired) */
  dead: number;
  endpoints: EndpointSummary[];
}

export interface RunSummary {
  once: boolean;
  /** the signal that stopped the run ('SIGTERM'), '' for another stop, null when none did */
  interrupted: string | null;
  /** segments or directories that could not be read */
  unreadable: number;
  stateDir: string;
  queuedLeft: number;
  hooks: HookSummary[];
}

export interface RunNote {
  level: 'warn' | 'error';
  msg: string;
  fields?: Record<string, unknown>;
}

export interface RunExit {
  exitCode: ExitCodeValue;
  /** the final line's words */
  end: string;
  /** why, one line per condition, in precedence order */
  notes: RunNote[];
}

export function runExit(s: RunSummary): RunExit {
  if (!s.once) return { exitCode: ExitCode.ok, end: 'stopped', notes: [] };
  const notes: RunNote[] = [];
  const codes: ExitCodeValue[] = [];
  if (s.unreadable > 0) codes.push(ExitCode.input); // its own lines come from source/unreadable.ts
  if (s.interrupted !== null) {
    codes.push(ExitCode.interrupted);
    const by = s.interrupted ? ` by ${s.interrupted}` : '';
    notes.push({ level: 'warn', msg: `interrupted${by} before the run finished: what was read is queued and goes out on the next run, the rest is read by it` });
  }
  const queued = (e: EndpointSummary) => e.backlog > 0;
  for (const h of s.hooks) {
    for (const e of h.endpoints.filter((e) => queued(e) && e.misconfigured !== null)) {
      codes.push(ExitCode.endpointMisconfigured);
      notes.push({ level: 'error', msg: `hook '${h.name}': the receiver's setup is wrong: ${e.misconfigured}; its ${e.backlog} records stay queued until that is fixed`, fields: { url: e.name } });
    }
  }
  for (const h of s.hooks) {
    for (const e of h.endpoints.filter((e) => queued(e) && e.misconfigured === null && e.requestsDone > 0 && e.answered === 0)) {
      codes.push(ExitCode.unreachable);
      const why = e.lastError ? ` (${e.lastError})` : '';
      notes.push({ level: 'error', msg: `hook '${h.name}': the receiver never answered in this run${why}; its ${e.backlog} records stay queued: is it running, and are the url's host and port right?`, fields: { url: e.name } });
    }
  }
  for (const h of s.hooks.filter((h) => h.dead > 0)) {
    codes.push(ExitCode.deadLetters);
    notes.push({ level: 'warn', msg: `hook '${h.name}': ${h.dead} records went to the dead letters in this run; see them with: loghook dead list --hook ${h.name} --state-dir ${s.stateDir}` });
  }
  if (s.queuedLeft > 0) codes.push(ExitCode.pendingRetries);
  const first = Math.min(...codes.map((c) => PRECEDENCE.indexOf(c)));
  return { exitCode: PRECEDENCE[first] ?? ExitCode.ok, end: endOf(s), notes };
}

/** Highest precedence first. */
const PRECEDENCE: ExitCodeValue[] = [ExitCode.input, ExitCode.interrupted, ExitCode.endpointMisconfigured, ExitCode.unreachable, ExitCode.deadLetters, ExitCode.pendingRetries];

function endOf(s: RunSummary): string {
  if (s.unreadable > 0) return 'done for now: some input could not be read';
  if (s.interrupted !== null) return 'interrupted';
  return s.queuedLeft > 0 ? 'done for now: the rest stays queued for the next run' : 'caught up';
}
