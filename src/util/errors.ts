// Typed errors with stable codes. The codes are a contract: scripts and the README rely on them.
// src/cli/main.ts maps each code to a process exit code; nothing else exits.

export const ExitCode = {
  ok: 0,
  /** a command failed for a reason not listed below */
  failure: 1,
  /** bad command line or configuration */
  usage: 2,
  /** the state dir is locked by another loghook process */
  locked: 3,
  /** the state dir was written by a newer, incompatible loghook */
  incompatibleState: 4,
  /** input that cannot be read at all (a named file or directory is missing or unreadable) */
  input: 5,
  /** the state dir is damaged (a corrupt or missing queue.db in a dir that was in use): see `loghook state check` */
  damagedState: 6,
  /** tail --once: some messages are still queued for a retry (they go out on the next run) */
  pendingRetries: 10,
  /** tail --once: some messages went to the dead letters during this run */
  deadLetters: 11,
  /** tail --once: a receiver was never reachable in this run (refused, DNS, timeout); its records stay queued */
  unreachable: 12,
  /** tail --once: a receiver's setup is wrong (certificate, redirect, wrong URL or credentials); records stay queued */
  endpointMisconfigured: 13,
  /** the run was interrupted by SIGINT or SIGTERM before it finished (tail --once, replay) */
  interrupted: 14,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type LoghookErrorCode =
  | 'LOGHOOK_USAGE'
  | 'LOGHOOK_INPUT'
  | 'LOGHOOK_STATE_LOCKED'
  | 'LOGHOOK_STATE_INCOMPATIBLE'
  | 'LOGHOOK_STATE'
  | 'LOGHOOK_STATE_DAMAGED'
  | 'LOGHOOK_INTERNAL';

const exitFor: Record<LoghookErrorCode, ExitCodeValue> = {
  LOGHOOK_USAGE: ExitCode.usage,
  LOGHOOK_INPUT: ExitCode.input,
  LOGHOOK_STATE_LOCKED: ExitCode.locked,
  LOGHOOK_STATE_INCOMPATIBLE: ExitCode.incompatibleState,
  LOGHOOK_STATE: ExitCode.failure,
  LOGHOOK_STATE_DAMAGED: ExitCode.damagedState,
  LOGHOOK_INTERNAL: ExitCode.failure,
};

export class LoghookError extends Error {
  readonly code: LoghookErrorCode;
  constructor(code: LoghookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LoghookError';
    this.code = code;
  }
  get exitCode(): ExitCodeValue {
    return exitFor[this.code];
  }
}

/** Bad flags, values or environment settings. */
export class UsageError extends LoghookError {
  constructor(message: string) {
    super('LOGHOOK_USAGE', message);
    this.name = 'UsageError';
  }
}

/** A file or directory named by the user cannot be read at all. */
export class InputError extends LoghookError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LOGHOOK_INPUT', message, options);
    this.name = 'InputError';
  }
}

/** Another process holds the state dir. */
export class StateLockedError extends LoghookError {
  constructor(message: string) {
    super('LOGHOOK_STATE_LOCKED', message);
    this.name = 'StateLockedError';
  }
}

/** The state dir was written by a newer loghook whose format this one does not understand. */
export class IncompatibleStateError extends LoghookError {
  constructor(message: string) {
    super('LOGHOOK_STATE_INCOMPATIBLE', message);
    this.name = 'IncompatibleStateError';
  }
}

/**
 * The state dir is damaged: queue.db is corrupt, not a database, empty or missing in a dir that
 * was in use, or a body file a queued row points at is missing or short. Retrying cannot help;
 * the message names the file and the way out (`loghook state check`, the README's salvage).
 */
export class DamagedStateError extends LoghookError {
  /** the file and what is wrong with it, without the advice (for `loghook state check`) */
  readonly detail: string;
  constructor(message: string, options?: { cause?: unknown; detail?: string }) {
    super('LOGHOOK_STATE_DAMAGED', message, options);
    this.name = 'DamagedStateError';
    this.detail = options?.detail ?? message;
  }
}

/** Node's system errors carry a `code` such as ENOENT. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
