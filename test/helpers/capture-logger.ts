// A Logger that keeps every line it is told, for tests to look at: the one capture logger.
import type { LogFields, Logger } from '../../src/telemetry/logger.js';

export interface LogLine {
  level: string;
  msg: string;
  fields: LogFields | undefined;
}

/** Appends each line to `lines`. */
export function captureLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (msg: string, fields?: LogFields) => void lines.push({ level, msg, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
