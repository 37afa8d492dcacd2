// Progress of a run through history: a bar on a terminal (captured from a pseudo-terminal made by
// util-linux `script`), JSON lines otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, logLines, runCli } from '../helpers/cli.js';
import { setup } from './tail-support.js';
import { T0, segmentAt, timedLines } from '../replay/support.js';
import { SegmentWriter } from '../helpers/segment-writer.js';
import { segmentName } from '../helpers/records.js';
import { ONCE_PROGRESS_BYTES } from '../../src/cli/tail.js';

const iso = (s: number) => new Date((T0 + s) * 1000).toISOString();
const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

/** Runs `loghook ...args` with stdin, stdout and stderr on a pseudo-terminal; returns what it printed. */
function onTerminal(args: string[]): Promise<{ code: number | null; out: string }> {
  const cmd = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COLUMNS: '160' } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** The bar's last drawing: "[bar] NN% | done/total records | rate/s | ETA x". */
const BAR = /\[[█░]+\] (\d+)% \| ([\d,]+)\/(~?[\d,]+) records \| ([\d,]+)\/s \| ETA ([0-9hms]+|\?)/g;

test('replay on a terminal draws a progress bar with the records done of the total, the rate and the ETA', async () => {
  const env = await setup({ defaultResponse: { status: 200, delayMs: 5 } });
  try {
    for (let s = 0; s < 3; s++) segmentAt(env.logs.path, s * 1000, timedLines(s * 1000, 400, s + 1));
    const r = await onTerminal(['replay', env.logs.path, '--since', iso(0), '--url', env.rx.url, '--state-dir', env.state.path, '--concurrency', '2']);
    assert.equal(r.code, 0, r.out);
    const bars = [...r.out.matchAll(BAR)];
    assert.ok(bars.length >= 2, r.out);
    const last = bars[bars.length - 1]!;
    assert.equal(last[1], '100');
    assert.equal(last[2], '1,200');
    assert.equal(last[3], '1,200', 'the total is exact once everything was read');
    assert.match(last[5]!, /^\d+s$/);
    // while it ran: fewer done than in all, an ETA in seconds once a rate was measured
    assert.ok(bars.some((b) => Number(b[2]!.replace(/,/g, '')) < 1200 && /^\d+/.test(b[5]!)), r.out);
    assert.match(r.out, /loghook: caught up/, 'the log lines still show');
  } finally {
    await env.close();
  }
});

test('a long tail --once on a terminal shows the same progress bar', async () => {
  const env = await setup();
  try {
    const w = SegmentWriter.create(env.logs.path, segmentName(T0 * 1000));
    let n = 0;
    while (w.bytesWritten < ONCE_PROGRESS_BYTES + 64 * 1024) for (const l of timedLines(n, 2000, n + 1)) (w.write(l), n++);
    w.finish();
    const r = await onTerminal(['tail', '--once', env.logs.path, '--url', env.rx.url, '--state-dir', env.state.path, '--batch-size', '1000']);
    assert.equal(r.code, 0, r.out.slice(-3000));
    const bars = [...r.out.matchAll(BAR)];
    assert.ok(bars.length >= 1, r.out.slice(-3000));
    assert.equal(bars[bars.length - 1]![2], n.toLocaleString('en-US'));
  } finally {
    await env.close();
  }
});

test('a short tail --once on a terminal draws no bar', async () => {
  const env = await setup();
  try {
    segmentAt(env.logs.path, 0, timedLines(0, 300));
    const r = await onTerminal(['tail', '--once', env.logs.path, '--url', env.rx.url, '--state-dir', env.state.path]);
    assert.equal(r.code, 0, r.out);
    assert.equal([...r.out.matchAll(BAR)].length, 0, r.out);
    assert.match(r.out, /caught up/);
  } finally {
    await env.close();
  }
});

test('replay without a terminal writes JSON progress lines with done, total, rate and ETA', async () => {
  const env = await setup({ defaultResponse: { status: 200, delayMs: 2 } });
  try {
    segmentAt(env.logs.path, 0, timedLines(0, 500));
    const r = await runCli(['replay', env.logs.path, '--since', iso(0), '--url', env.rx.url, '--state-dir', env.state.path, '--concurrency', '1']);
    assert.equal(r.code, 0, r.stderr);
    const lines = logLines(r.stderr).filter((l) => l.msg === 'progress');
    assert.ok(lines.length >= 2, r.stderr); // the first and the last at least
    const last = lines[lines.length - 1]!;
    assert.equal(last.done, 500);
    assert.equal(last.total, 500);
    assert.equal(last.exact, true);
    assert.equal(last.delivered, 500);
    for (const k of ['ratePerSec', 'etaS', 'percent', 'elapsedS']) assert.ok(k in last, k);
  } finally {
    await env.close();
  }
});
