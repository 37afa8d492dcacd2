// Shared pieces of the damaged-state tests: a state dir made by a real `tail --once` run (real
// zstd segments, a real receiver on 127.0.0.1), damage done to it, and runs with a deadline so
// that a hang fails the test instead of stalling the suite.
import { createHash } from 'node:crypto';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { startCli, type CliResult } from '../helpers/cli.js';
import { Receiver } from '../helpers/receiver.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { makeTempDir, type TempDir } from '../helpers/tmp.js';
import { publishable } from './tail-support.js';

export interface UsedState {
  logs: TempDir;
  state: TempDir;
  rx: Receiver;
  /** the receiver answers 200 when true, 503 when false */
  up: boolean;
  /** the run that made the state dir */
  first: CliResult;
  tailArgs(extra: string[]): string[];
  close(): Promise<void>;
}

/**
 * A state dir after one `tail --once` over `records` records: all delivered (the receiver was
 * up), or all still queued (it answered 503 throughout).
 */
export async function usedStateDir(o: { records: number; delivered: boolean }): Promise<UsedState> {
  const logs = makeTempDir('loghook-logs-');
  const state = makeTempDir('loghook-state-');
  const env = { up: o.delivered } as UsedState;
  const rx = await Receiver.start({ respond: () => (env.up ? { status: 200 } : { status: 503 }) });
  writeSegment(logs.path, '20260101-000000.000000001', publishable(o.records, 1));
  Object.assign(env, {
    logs,
    state,
    rx,
    tailArgs: (extra: string[]) => ['tail', logs.path, '--url', rx.url, '--state-dir', state.path, '--log-format', 'json', ...extra],
    async close() {
      await rx.close();
      logs.cleanup();
      state.cleanup();
    },
  });
  env.first = await runWithin(env.tailArgs(['--once', '--batch-size', '10']), 60_000);
  const want = o.delivered ? 0 : 10;
  if (env.first.code !== want) throw new Error(`the run that makes the state dir exited ${env.first.code}, not ${want}: ${env.first.stderr}`);
  return env;
}

/** Writes 64 KiB of (seeded, so repeatable) random bytes into `file` at `at` of its size, on a 16 KiB page boundary. */
export function damage(file: string, at: number): void {
  const size = statSync(file).size;
  const offset = Math.floor((size * at) / 16384) * 16384;
  const bytes = seededBytes(65536, `${file}:${at}`);
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

function seededBytes(n: number, seed: string): Buffer {
  const out: Buffer[] = [];
  let h = createHash('sha256').update(seed).digest();
  for (let len = 0; len < n; len += h.length) {
    out.push(h);
    h = createHash('sha256').update(h).digest();
  }
  return Buffer.concat(out).subarray(0, n);
}

/** Runs `loghook ...args`; after `ms` it is killed (SIGKILL) and `hung` is true. */
export async function runWithin(args: string[], ms: number): Promise<CliResult & { hung: boolean }> {
  const c = startCli(args);
  let hung = false;
  const t = setTimeout(() => {
    hung = true;
    c.child.kill('SIGKILL');
  }, ms);
  try {
    return { ...(await c.done), hung };
  } finally {
    clearTimeout(t);
  }
}
