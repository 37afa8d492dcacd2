// Child processes for tests that need a real process: a writer to follow, a crash to survive.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface NodeChild {
  process: ChildProcess;
  /** everything the child printed so far */
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<Exit>;
}

/** Runs `node scriptPath ...args` with stdout and stderr collected as strings. */
export function spawnNode(scriptPath: string, args: readonly string[] = [], { env }: { env?: NodeJS.ProcessEnv } = {}): NodeChild {
  const child = spawn(process.execPath, [scriptPath, ...args], {
    env: env ? { ...process.env, ...env } : process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  // 'close' rather than 'exit': by then both pipes are drained, so the strings are complete
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
  };
}

/** Polls until predicate returns something truthy and returns it; throws after timeoutMs. */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 5000, intervalMs = 20, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
