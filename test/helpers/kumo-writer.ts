// A stand-in for a live kumod, run as a child process by integration tests and benchmarks: writes
// records at a rate into rotating segments with SegmentWriter (no `zstd` command needed).
//
//   node dist/test/helpers/kumo-writer.js --dir DIR [--records N] [--segment-records K] [--rate R]
//     [--seed S] [--suffix S] [--start ISO] [--block-bytes B] [--crash [--cut-bytes C]]
//     [--leave-open] [--expect FILE] [--report]
//
// --rate R         records/s (default: as fast as possible); blocks appear on disk as they fill
// --crash          the last segment ends as after a kumod crash: 0444, no end of frame, and with
//                  --cut-bytes C its last C bytes lost (cut inside the last block)
// --leave-open     the last segment stays live: 0644, frame unfinished, its buffered tail unwritten
// --expect FILE    every record line, uncompressed, in order (including lines a crash loses)
// --report         one JSON line per block on stdout: {"t": ms when it hit the disk, "segment",
//                  "lines": whole lines of that segment on disk}; otherwise stdout stays empty
// SIGTERM finishes the current segment (end of frame, 0444) and exits 0.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRecordGenerator, segmentName } from './records.js';
import { SegmentWriter, type BlockEvent } from './segment-writer.js';

export interface KumoWriterOptions {
  dir: string;
  records: number;
  segmentRecords: number;
  /** records per second; 0 = as fast as possible */
  rate?: number;
  seed?: number;
  suffix?: string;
  start?: string;
  blockBytes?: number;
  crash?: boolean;
  cutBytes?: number;
  leaveOpen?: boolean;
  /** file to receive every record line uncompressed */
  expect?: string;
  onBlock?: (event: BlockEvent) => void;
  /** on abort: finish the current segment and return */
  signal?: AbortSignal;
}

export async function runKumoWriter(opts: KumoWriterOptions): Promise<{ segments: string[]; records: number }> {
  const { dir, records, segmentRecords, rate = 0, suffix = '', signal } = opts;
  mkdirSync(dir, { recursive: true });
  const gen = createRecordGenerator({ seed: opts.seed, start: opts.start });
  const expectFd = opts.expect ? openSync(opts.expect, 'w') : undefined;
  let expectBuf = '';
  // written at each block, so the expect file always covers what is on disk
  const flushExpect = () => {
    if (expectFd !== undefined && expectBuf) writeSync(expectFd, expectBuf);
    expectBuf = '';
  };
  const onBlock = (e: BlockEvent) => {
    flushExpect();
    opts.onBlock?.(e);
  };
  const segments: string[] = [];
  const started = Date.now();
  let written = 0;
  try {
    while (written < records && !signal?.aborted) {
      // kumo-sim's naming: the event clock plus the segment index keeps names distinct and ordered
      const name = segmentName(gen.now() + segments.length, suffix);
      const w = SegmentWriter.create(dir, name, { blockBytes: opts.blockBytes, onBlock });
      segments.push(name);
      const last = written + segmentRecords >= records;
      for (let end = Math.min(records, written + segmentRecords); written < end && !signal?.aborted;) {
        const line = gen.nextLine();
        w.write(line);
        if (expectFd !== undefined) expectBuf += line;
        written++;
        if (rate > 0) {
          const wait = started + (written / rate) * 1000 - Date.now();
          if (wait > 5) await sleep(wait, undefined, { signal }).catch(() => undefined); // aborted: finish below
        }
        if (written % 1000 === 0) await yieldToLoop(); // lets SIGTERM in when the loop never sleeps
      }
      if (last && !signal?.aborted && opts.crash) w.crash({ cutBytes: opts.cutBytes });
      else if (last && !signal?.aborted && opts.leaveOpen) w.leaveOpen();
      else w.finish();
    }
    flushExpect();
  } finally {
    if (expectFd !== undefined) closeSync(expectFd);
  }
  return { segments, records: written };
}

function parseCli(argv: string[]): KumoWriterOptions {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      dir: { type: 'string' },
      records: { type: 'string', default: '100000' },
      'segment-records': { type: 'string', default: '50000' },
      rate: { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
      suffix: { type: 'string', default: '' },
      start: { type: 'string' },
      'block-bytes': { type: 'string' },
      crash: { type: 'boolean', default: false },
      'cut-bytes': { type: 'string', default: '0' },
      'leave-open': { type: 'boolean', default: false },
      expect: { type: 'string' },
      report: { type: 'boolean', default: false },
    },
  });
  if (!v.dir) throw new Error('--dir is required');
  const num = (flag: string, s: string): number => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} must be a number >= 0, got '${s}'`);
    return n;
  };
  return {
    dir: v.dir,
    records: num('records', v.records),
    segmentRecords: Math.max(1, num('segment-records', v['segment-records'])),
    rate: num('rate', v.rate),
    seed: num('seed', v.seed),
    suffix: v.suffix,
    start: v.start,
    blockBytes: v['block-bytes'] === undefined ? undefined : num('block-bytes', v['block-bytes']),
    crash: v.crash,
    cutBytes: num('cut-bytes', v['cut-bytes']),
    leaveOpen: v['leave-open'],
    expect: v.expect,
    onBlock: v.report
      ? (e) => process.stdout.write(JSON.stringify({ t: e.t, segment: e.segment, lines: e.linesOnDisk }) + '\n')
      : undefined,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let opts: KumoWriterOptions;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`kumo-writer: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const ac = new AbortController();
  process.once('SIGTERM', () => ac.abort());
  runKumoWriter({ ...opts, signal: ac.signal }).catch((err: unknown) => {
    process.stderr.write(`kumo-writer: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}
