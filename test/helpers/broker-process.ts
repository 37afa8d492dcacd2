// What the private brokers of the tests share: free ports, and a server process started in its
// own process group (so a SIGKILL takes the whole tree: rabbitmq-server's shell, beam.smp and
// erl_child_setup) whose output goes to a log file the error messages quote.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/** A TCP port nobody listens on right now (the kernel's choice for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  /** resolves with the exit status; never rejects */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly logFile: string;
  /** the last `bytes` of what the server printed */
  tail(bytes?: number): string;
  /** signals the whole process group */
  signal(sig: NodeJS.Signals): void;
  readonly running: boolean;
}

export function startServer(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string }): ServerProcess {
  const fd = openSync(opts.logFile, 'a');
  let running = true;
  let spawnError = '';
  const child = spawn(cmd, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      running = false;
      spawnError = `${cmd}: ${err.message}\n`;
      resolve({ code: -1, signal: null });
    });
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  return {
    child,
    exited,
    logFile: opts.logFile,
    tail(bytes = 2000) {
      try {
        return spawnError + readFileSync(opts.logFile, 'utf8').slice(-bytes);
      } catch {
        return spawnError;
      }
    },
    signal(sig) {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    },
    get running() {
      return running;
    },
  };
}

/** Polls `ready` until it is true; fails with `why()` (the server's own words) on timeout or exit. */
export async function waitReady(server: ServerProcess, ready: () => Promise<boolean>, what: string, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!server.running) throw new Error(`${what} exited before it was ready:\n${why()}`);
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs} ms:\n${why()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
