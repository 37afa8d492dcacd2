// regression (issue 10 §2): with the state file system full, tail exited at once (a crash loop
// under systemd), or with a stack trace from a timer. Now it keeps delivering, pauses reading,
// retries the commit, and everything arrives once there is room again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/tmp.js';
import { Receiver } from '../helpers/receiver.js';
import { logLines, runCli, startCli } from '../helpers/cli.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { publishable } from './tail-support.js';

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A small real file system of its own (tmpfs), or why there cannot be one. */
function smallFs(dir: string, size: string): string | null {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `cannot mount a tmpfs here (${(r.stderr || r.error?.message || '').trim()}): this test needs root or CAP_SYS_ADMIN`;
}

test('a full state disk pauses reading and keeps the run alive; once there is room everything arrives', async (t) => {
  const root = makeTempDir('loghook-diskfull-');
  const mnt = join(root.path, 'fs');
  const why = smallFs(mnt, '8m');
  if (why) {
    t.skip(why);
    root.cleanup();
    return;
  }
  const logs = makeTempDir('loghook-logs-');
  let up = false;
  const rx = await Receiver.start({ respond: () => (up ? { status: 200 } : { status: 503 }) });
  const state = join(mnt, 'state');
  const filler = join(mnt, 'filler');
  const tail = startCli(['tail', logs.path, '--url', rx.url, '--state-dir', state, '--log-format', 'json', '--batch-size', '50', '--retry-interval', '200ms', '--max-retry-interval', '500ms']);
  try {
    // Queued while the receiver is down: a few requests fail, the rest wait untried behind the
    // endpoint's backoff, due.
    const first = publishable(1500, 1);
    writeSegment(logs.path, '20260101-000000.000000001', first);
    await until(() => logLines(tail.stderr()).some((l) => /receiver unavailable, backing off/.test(l.msg)), 'the endpoint backing off');
    // Fill the file system to the brim, then write more records than fit.
    writeFileSync(filler, Buffer.alloc(0));
    spawnSync('sh', ['-c', `dd if=/dev/zero of=${filler} bs=64k 2>/dev/null; true`]);
    const more = publishable(3000, 2);
    writeSegment(logs.path, '20260101-000100.000000001', more);
    await until(() => logLines(tail.stderr()).some((l) => /state disk full/.test(l.msg)), 'the disk-full warning');
    assert.equal(tail.child.exitCode, null, 'still running');
    let paused: string | null = null;
    for (let i = 0; i < 40 && paused !== 'state disk full'; i++) {
      const st = JSON.parse((await runCli(['status', '--json', '--state-dir', state])).stdout.toString()) as { running: { paused?: string | null } };
      paused = st.running.paused ?? null;
      if (paused !== 'state disk full') await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(paused, 'state disk full', 'status says the state disk is full');
    up = true; // the receiver comes back while the disk is still full: delivering what is queued goes on
    await until(() => rx.accepted().length > 0, 'deliveries while full');
    assert.ok(logLines(tail.stderr()).every((l) => !/state disk has room again/.test(l.msg)), 'the disk was still full');
    rmSync(filler);
    const all = new Set([...first, ...more].map((l) => (JSON.parse(l) as { id: string; type: string; timestamp: number }).id + l.length));
    await until(() => new Set(rx.accepted().flatMap((r) => bodyIds(r.body))).size >= all.size, 'every record delivered', 60_000);
    tail.child.kill('SIGTERM');
    const r = await tail.done;
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const warnings = logLines(r.stderr).filter((l) => /state disk full/.test(l.msg));
    assert.ok(warnings.length >= 1 && warnings.length <= 2, `${warnings.length} disk-full warnings (at most one a minute)`);
    assert.ok(logLines(r.stderr).some((l) => /state disk has room again/.test(l.msg)));
  } finally {
    if (tail.child.exitCode === null) tail.child.kill('SIGKILL');
    await tail.done;
    await rx.close();
    spawnSync('umount', [mnt]);
    logs.cleanup();
    root.cleanup();
  }
});

/** The identity of each record in a request body (id + length: generated ids may repeat across types). */
function bodyIds(body: Buffer): string[] {
  const parsed = JSON.parse(body.toString()) as unknown;
  const list = (Array.isArray(parsed) ? parsed : [parsed]) as { id: string }[];
  return list.map((r) => r.id + (JSON.stringify(r).length + 1));
}
