// The progress bar on a terminal: the only import of cli-progress. Log lines written while the bar
// is shown go above it (write()), so warnings and the bar do not overwrite each other.
import cliProgress from 'cli-progress';
import type { ProgressSnapshot, ProgressView } from '../replay/progress.js';

export interface TerminalProgress extends ProgressView {
  /** a log line: above the bar while it is shown, else straight to the stream */
  write(line: string): void;
}

function eta(s: number | null): string {
  if (s === null) return '?';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function terminalProgress(label: string, opts: { minInputBytes?: number; stream?: NodeJS.WriteStream } = {}): TerminalProgress {
  const stream = opts.stream ?? process.stderr;
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{totalText} records | {rate}/s | ETA {etaText}`,
      barsize: 30,
      hideCursor: false,
      gracefulExit: false, // main.ts owns SIGINT and SIGTERM
      clearOnComplete: false,
      fps: 5,
      formatValue: (v, _o, type) => (type === 'value' ? v.toLocaleString('en-US') : String(v)),
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | null = null;
  let stopped = false;
  const payload = (s: ProgressSnapshot) => ({
    totalText: `${s.exact ? '' : '~'}${s.total.toLocaleString('en-US')}`,
    rate: s.ratePerSec.toLocaleString('en-US'),
    etaText: eta(s.etaS),
  });
  return {
    everyMs: 200,
    ...(opts.minInputBytes !== undefined ? { minInputBytes: opts.minInputBytes } : {}),
    update(s) {
      if (stopped) return;
      if (!bar) bar = multi.create(Math.max(1, s.total), s.done, payload(s));
      else {
        bar.setTotal(Math.max(1, s.total));
        bar.update(s.done, payload(s));
      }
    },
    stop(s) {
      if (stopped) return;
      this.update(s);
      stopped = true;
      multi.update();
      multi.stop();
    },
    write(line) {
      if (bar && !stopped) multi.log(line);
      else stream.write(line);
    },
  };
}
