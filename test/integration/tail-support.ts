// Shared pieces of the `loghook tail` integration tests: a log dir with records, a receiver, the CLI.
import { writeSegment } from '../helpers/segment-writer.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { Receiver, type ReceiverOptions } from '../helpers/receiver.js';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';

export { recordLines as records } from '../helpers/records.js';
import { recordLines as records } from '../helpers/records.js';

/** Generated records without KumoMTA's own LogRecord bookkeeping (which tail skips by default). */
export function publishable(n: number, seed = 1): string[] {
  return records(n * 2, seed).filter((l) => !l.includes('"reception_protocol":"LogRecord"')).slice(0, n);
}

export interface Env {
  logs: TempDir;
  state: TempDir;
  rx: Receiver;
  /** runs `loghook tail <logs> --url <rx> --state-dir <state> ...args` */
  tail(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  start(args: string[], env?: NodeJS.ProcessEnv): ReturnType<typeof startCli>;
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult>;
  close(): Promise<void>;
}

export async function setup(opts: ReceiverOptions = {}): Promise<Env> {
  const logs = makeTempDir('loghook-logs-');
  const state = makeTempDir('loghook-state-');
  const rx = await Receiver.start(opts);
  const started: ReturnType<typeof startCli>[] = [];
  const base = () => ['tail', logs.path, '--url', rx.url, '--state-dir', state.path, '--log-format', 'json'];
  return {
    logs,
    state,
    rx,
    tail: (args, env) => runCli([...base(), ...args], env),
    start: (args, env) => {
      const c = startCli([...base(), ...args], env);
      started.push(c);
      return c;
    },
    cli: (args, env) => runCli(args, env),
    async close() {
      // a test that failed half-way must not leave its tail running (the runner would wait forever)
      for (const c of started) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
      await Promise.all(started.map((c) => c.done));
      await rx.close();
      logs.cleanup();
      state.cleanup();
    },
  };
}

export function segment(env: Env, name: string, lines: string[]) {
  return writeSegment(env.logs.path, name, lines);
}

/** The records a request carried, as text lines with their newline. */
export function bodyLines(body: Buffer, contentType: string | undefined): string[] {
  const text = body.toString('utf8');
  if (contentType?.includes('ndjson')) return text.split(/(?<=\n)/).filter(Boolean);
  const parsed = JSON.parse(text) as unknown;
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((r) => JSON.stringify(r) + '\n');
}
