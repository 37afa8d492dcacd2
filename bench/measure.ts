// Runs a command as a child process and measures wall time, CPU time and peak RSS, polled from
// /proc every 10 ms (VmHWM only grows, and so do utime + stime: the last reading before exit is
// the figure, short of the last 10 ms).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Measurement {
  seconds: number;
  /** user + sys of the child itself, seconds */
  cpuSeconds: number;
  peakRssMb: number;
  code: number | null;
  stderr: string;
  stdout: string;
}

function hwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of `pid` in clock ticks (1/100 s), or 0 once it is gone. */
export function cpuTicks(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/** Runs `cmd args` with stdout to /dev/null unless captureStdout; `shell` runs a shell line. */
export function measure(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; shell?: boolean; captureStdout?: boolean } = {}): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'],
      shell: opts.shell ?? false,
    });
    let peak = 0;
    let ticks = 0;
    let stderr = '';
    let stdout = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    const poll = setInterval(() => {
      peak = Math.max(peak, hwmKb(child.pid!));
      ticks = Math.max(ticks, cpuTicks(child.pid!));
    }, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      child.once('close', () => resolve({ seconds, cpuSeconds: ticks / 100, peakRssMb: peak / 1024, code, stderr, stdout }));
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
