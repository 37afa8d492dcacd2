// `loghook cat`: prints records as JSON lines, byte for byte as kumod wrote them.
import { createWriteStream, fstatSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { Command, Option } from 'commander';
import { parseTimeArg } from '../config/time.js';
import { createLogger, type LogFormat } from '../telemetry/logger.js';
import { unreadSummary } from '../source/unreadable.js';
import { ExitCode } from '../util/errors.js';
import * as opt from './options.js';
import type { CommandContext } from './context.js';

interface CatFlags {
  follow: boolean;
  types?: Set<string>;
  since?: string;
  until?: string;
  pattern?: RegExp;
  poll?: number;
  maxLineBytes: number;
  logFormat?: LogFormat;
  quiet: boolean;
}

export function catCommand(ctx: CommandContext): Command {
  return new Command('cat')
    .description('print the records of segment files as JSON lines, byte for byte as kumod wrote them, in read order')
    .argument('<paths...>', 'log directories (kumod log_dir) or single segment files')
    .option('-f, --follow', 'keep following the directories as kumod writes (default: stop at the end of what is on disk)', false)
    .option('--types <list>', 'only these record types, comma-separated (e.g. Delivery,Bounce)', opt.types)
    .option('--since <time>', 'only records with timestamp >= TIME (ISO 8601, unix seconds, or a duration ago like 2h)')
    .option('--until <time>', 'only records with timestamp < TIME')
    .option('--pattern <glob>', 'only segment files whose name matches GLOB (e.g. "*_recv")', opt.pattern)
    .option('--poll <ms>', 'rescan every MS instead of using file system events (network file systems)', opt.duration('--poll'))
    .addOption(new Option('--max-line-bytes <size>', 'skip lines longer than SIZE').default(16 * 1024 * 1024, '16MiB').argParser(opt.size('--max-line-bytes')))
    .addOption(new Option('--log-format <format>', 'text or json (default: text on a terminal, else json)').argParser(opt.logFormat))
    .option('-q, --quiet', 'no warnings on stderr, only errors', false)
    .action(async (paths: string[], f: CatFlags) => {
      const logger = createLogger({ ...(f.logFormat ? { format: f.logFormat } : {}), level: f.quiet ? 'error' : 'info' });
      const now = ctx.clock.now();
      // Loaded on use: `cat` should not pay for SQLite, undici and the rest at start-up.
      const { catRecords } = await import('../pipeline/cat.js');
      const r = await catRecords({
        paths,
        follow: f.follow,
        ...output(ctx),
        logger,
        signal: ctx.signal,
        maxLineBytes: f.maxLineBytes,
        ...(f.types ? { types: f.types } : {}),
        ...(f.pattern ? { pattern: f.pattern } : {}),
        ...(f.poll !== undefined ? { pollMs: f.poll } : {}),
        ...(f.since !== undefined ? { sinceS: parseTimeArg(f.since, '--since', now) } : {}),
        ...(f.until !== undefined ? { untilS: parseTimeArg(f.until, '--until', now) } : {}),
      });
      if (r.unreadable.length > 0) {
        logger.error(unreadSummary(r.unreadable, 'run cat again'));
        ctx.exitCode = ExitCode.input;
      }
      const s = r.source;
      const problems = r.invalid + s.segmentsTruncated + s.segmentsCorrupt + s.segmentsUnreadable + s.segmentsVanished + s.linesTooLong;
      if (problems > 0 && !r.closedEarly) {
        logger.warn('done with problems', {
          records: r.written, invalidLines: r.invalid, tooLongLines: s.linesTooLong, truncatedSegments: s.segmentsTruncated,
          corruptSegments: s.segmentsCorrupt, unreadableSegments: s.segmentsUnreadable, vanishedSegments: s.segmentsVanished,
        });
      }
    });
}

/**
 * Where records go. A regular file or /dev/null is written straight with writev (no stream, no
 * copy); a pipe through an fs write stream (writes run in the thread pool while the next block
 * decodes: 3-4x faster than process.stdout's socket); a terminal or a socket through process.stdout.
 */
function output(ctx: CommandContext): { out: Writable | null; outFd?: number } {
  let st;
  try {
    st = fstatSync(1);
  } catch {
    return { out: ctx.stdout };
  }
  if (st.isFile() || (st.isCharacterDevice() && !isatty(1))) return { out: null, outFd: 1 };
  if (st.isFIFO()) return { out: createWriteStream('', { fd: 1, autoClose: false, highWaterMark: 4 * 1024 * 1024 }) };
  return { out: ctx.stdout };
}
