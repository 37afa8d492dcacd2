// Drives the built binary as a user would: bin/loghook.js in a real child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../bin/loghook.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** bytes printed on stdout so far */
  stdout(): Buffer;
  stderr(): string;
  done: Promise<CliResult>;
}

/** Another user to run as (root only: the child drops root before it runs loghook). */
export interface RunAs {
  uid: number;
  gid: number;
}

/** Starts `loghook ...args`; the environment is the test's plus `env`. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, as?: RunAs): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(as ? { uid: as.uid, gid: as.gid } : {}) });
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const done = new Promise<CliResult>((res, rej) => {
    child.once('error', rej);
    child.once('close', (code, signal) => res({ code, signal, stdout: Buffer.concat(out), stderr: err }));
  });
  return { child, stdout: () => Buffer.concat(out), stderr: () => err, done };
}

/** Runs `loghook ...args` to its end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, as?: RunAs): Promise<CliResult> {
  return startCli(args, env, as).done;
}

/** JSON log lines of stderr (the CLI logs JSON when stderr is not a terminal). */
export function logLines(stderr: string): { level: string; msg: string; [k: string]: unknown }[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: string; msg: string });
}
