// Logs go to stderr: readable lines on a terminal, JSON lines otherwise (--log-format). Secrets
// never reach a log: header values are not logged, and URLs are logged without their userinfo
// and with their query values masked (redactUrl).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  format?: LogFormat;
  level?: LogLevel;
  /** where lines go; defaults to process.stderr */
  write?: (line: string) => void;
  now?: () => number;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? (process.stderr.isTTY ? 'text' : 'json');
  const min = rank[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const now = opts.now ?? Date.now;
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (rank[level] < min) return;
    if (format === 'json') {
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, msg, ...fields }) + '\n');
    } else {
      const extra = fields ? Object.entries(fields).map(([k, v]) => ` ${k}=${formatValue(v)}`).join('') : '';
      write(prefixed(`${level === 'info' ? '' : level + ': '}${msg}${extra}`));
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** Text for stderr with one `loghook: ` at the start of every line (a message of several lines too). */
export function prefixed(text: string): string {
  return text.split('\n').map((l) => `loghook: ${l}`).join('\n') + '\n';
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  if (v === undefined) return 'undefined';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** A logger that drops everything (library use, some tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A URL safe to print or store: userinfo (user:password@) removed, every query value and the
 * fragment masked (`?token=***`): receivers take API keys there. The names stay, to tell which.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    if (u.search) {
      // a part without "=" may be a bare token: masked whole
      u.search = u.search.slice(1).split('&').map((part) => {
        const eq = part.indexOf('=');
        return part === '' ? '' : eq < 0 ? '***' : `${part.slice(0, eq)}=***`;
      }).join('&');
    }
    if (u.hash) u.hash = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
