// `loghook receive` as a real child process: start it on port 0, read the URL it prints first,
// post real requests, stop it, read what it printed.
import { request } from 'node:http';
import { startCli, type CliProcess, type CliResult } from '../helpers/cli.js';
import { waitFor } from '../helpers/child.js';

export interface Receiver {
  cli: CliProcess;
  url: string;
  /** stops it (SIGTERM) and returns its output */
  stop(): Promise<CliResult>;
}

export async function startReceive(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Receiver> {
  const cli = startCli(['receive', '--port', '0', ...args], env);
  let exited = false;
  void cli.done.then(() => (exited = true));
  const first = await waitFor(() => {
    if (exited) throw new Error(`loghook receive exited early: ${cli.stderr()}`);
    const out = cli.stdout().toString();
    return out.includes('\n') ? out.slice(0, out.indexOf('\n')) : null;
  }, { what: 'the URL line', timeoutMs: 10_000 });
  const url = first.startsWith('{') ? (JSON.parse(first) as { listening: string }).listening : first;
  return {
    cli,
    url,
    async stop() {
      if (!exited) cli.child.kill('SIGTERM');
      return cli.done;
    },
  };
}

export interface Answer {
  status: number;
  body: string;
}

/** One POST over its own connection. */
export function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (s: string) => (text += s));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface JsonLine {
  request: number;
  status: number;
  signature: 'ok' | 'failed' | 'unchecked';
  signature_error?: string;
  shape: string | null;
  batch_id: string | null;
  records: number;
  index?: number;
  event_id?: string | null;
  type?: string;
  recipient?: string;
  record?: Record<string, unknown>;
  error?: string | null;
  headers: Record<string, string>;
  bytes: number;
  decoded_bytes: number;
}

/** The JSON lines printed after the URL line. */
export function jsonLines(r: CliResult): JsonLine[] {
  return r.stdout
    .toString()
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonLine);
}
