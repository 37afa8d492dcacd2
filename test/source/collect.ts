// Runs a Tailer in-process and keeps every line it hands on, with its position.
import { resolveTargets } from '../../src/source/discovery.js';
import { Tailer, type TailerOptions } from '../../src/source/tailer.js';
import type { LineBatch } from '../../src/source/types.js';
import type { Logger } from '../../src/telemetry/logger.js';
import { captureLogger, type LogLine } from '../helpers/capture-logger.js';

export interface SeenLine {
  segment: string;
  line: number;
  offset: number;
  text: string;
}

/** test/helpers' capture logger, its lines at hand as `entries`. */
export function memoryLogger(): Logger & { entries: LogLine[] } {
  const entries: LogLine[] = [];
  return { ...captureLogger(entries), entries };
}

export function linesOf(batch: LineBatch): SeenLine[] {
  const out: SeenLine[] = [];
  for (let i = 0; i < batch.count; i++) {
    out.push({
      segment: batch.segment.name,
      line: batch.firstLine + i,
      offset: batch.bufOffset + batch.bounds[i]!,
      text: batch.buf.toString('utf8', batch.bounds[i]!, batch.bounds[i + 1]!),
    });
  }
  return out;
}

/** Reads `paths` once (follow: false) and returns what came out. */
export async function readOnce(paths: string[], opts: Partial<TailerOptions> = {}) {
  const log = memoryLogger();
  const seen: SeenLine[] = [];
  const tailer = new Tailer({
    targets: await resolveTargets(paths),
    follow: false,
    logger: log,
    onBatch: (b) => void seen.push(...linesOf(b)),
    ...opts,
  });
  await tailer.run();
  return { seen, log, tailer };
}
