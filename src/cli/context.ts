// What every command gets from main.ts: its streams, the clock, and a place to leave its exit code.
import type { Writable } from 'node:stream';
import type { Clock } from '../util/clock.js';
import type { ExitCodeValue } from '../util/errors.js';

export interface CommandContext {
  stdout: Writable;
  clock: Clock;
  version: string;
  /** a command that ends normally but wants a non-zero exit code sets it here */
  exitCode: ExitCodeValue;
  /** aborted on SIGTERM/SIGINT; a second signal makes main exit at once */
  signal: AbortSignal;
}
