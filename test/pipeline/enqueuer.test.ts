import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Enqueuer } from '../../src/pipeline/enqueuer.js';
import type { LineBatch, SegmentRef } from '../../src/source/types.js';
import type { ChunkInput } from '../../src/spool/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { segmentKey } from '../../src/hook/event-id.js';

const seg = (name: string): SegmentRef => ({ stream: '/d/*', dir: '/d', name, path: `/d/${name}`, suffix: '', openedAtMs: 0 });

function batch(segment: SegmentRef, lines: string[], firstLine = 0): LineBatch {
  const buf = Buffer.from(lines.join(''));
  const bounds = new Int32Array(lines.length + 1);
  let o = 0;
  lines.forEach((l, i) => ((bounds[i] = o), (o += Buffer.byteLength(l))));
  bounds[lines.length] = o;
  return { segment, buf, bounds, count: lines.length, firstLine, bufOffset: 0 };
}

const rec = (type: string, n: number) => `{"type":"${type}","n":${n}}\n`;

function records(c: ChunkInput): string[] {
  return c.ends.map((e, i) => c.body.toString('utf8', c.ends[i - 1] ?? 0, e));
}

function make(opts: Partial<ConstructorParameters<typeof Enqueuer>[0]> = {}) {
  const commits: ChunkInput[][] = [];
  const q = new Enqueuer({ selection: {}, chunkRecords: 3, chunkBytes: 1 << 20, commitRecords: 1000, logger: silentLogger, commit: (c) => commits.push(c), ...opts });
  return { q, commits };
}

test('kept records become chunks of at most chunkRecords, with their line numbers and the exact bytes', () => {
  const { q, commits } = make({ selection: { types: new Set(['Delivery']) } });
  const lines = [rec('Delivery', 0), rec('Reception', 1), rec('Delivery', 2), rec('Delivery', 3), rec('Delivery', 4), rec('Bounce', 5)];
  const b = batch(seg('20260101-000000'), lines, 10);
  q.add(b);
  b.buf.fill(0); // the decode buffer may be reused at once: chunks own their bytes
  assert.equal(q.flush(), 4);
  const [chunks] = commits;
  assert.deepEqual(chunks!.map((c) => c.lines), [[10, 12, 13], [14]]);
  assert.deepEqual(chunks!.map(records), [[lines[0], lines[2], lines[3]], [lines[4]]]);
  assert.equal(chunks![0]!.segmentKey, segmentKey('/d', '20260101-000000'));
  assert.equal(q.queued, 4);
});

test('a chunk never spans two segments', () => {
  const { q, commits } = make({ chunkRecords: 10 });
  q.add(batch(seg('20260101-000000'), [rec('Delivery', 0)]));
  q.add(batch(seg('20260101-000100'), [rec('Delivery', 1)]));
  q.flush();
  assert.deepEqual(commits[0]!.map((c) => c.segment), ['20260101-000000', '20260101-000100']);
});

test('a chunk stays within chunkBytes, counting the commas and brackets of an array body', () => {
  const r = rec('Delivery', 1); // 28 bytes
  const { q, commits } = make({ chunkRecords: 100, chunkBytes: 3 * r.length + 3 + 2 });
  q.add(batch(seg('20260101-000000'), Array.from({ length: 7 }, () => r)));
  q.flush();
  assert.deepEqual(commits[0]!.map((c) => c.lines.length), [3, 3, 1]);
});

test('chunks stay whole when the arena fills up, and across many batches', () => {
  const { q, commits } = make({ chunkRecords: 50 });
  const big = `{"type":"Delivery","pad":"${'x'.repeat(20_000)}"}\n`;
  const all: string[] = [];
  for (let b = 0; b < 10; b++) {
    const lines = Array.from({ length: 13 }, (_, i) => big.replace('"pad"', `"i":${b * 13 + i},"pad"`));
    all.push(...lines);
    q.add(batch(seg('20260101-000000'), lines, b * 13));
  }
  q.flush();
  assert.deepEqual(commits[0]!.flatMap(records), all);
  assert.deepEqual(commits[0]!.flatMap((c) => c.lines), all.map((_, i) => i));
});

test('add asks for a commit once commitRecords are pending; a flush with only consumed lines still commits the checkpoint', () => {
  const { q, commits } = make({ commitRecords: 2, selection: { types: new Set(['Bounce']) } });
  assert.equal(q.add(batch(seg('20260101-000000'), [rec('Delivery', 0)])), false);
  assert.equal(q.flush(), 0);
  assert.equal(commits.length, 1, 'the checkpoint moved although nothing was kept');
  assert.equal(q.flush(), 0);
  assert.equal(commits.length, 1, 'nothing new: no commit');
  assert.equal(q.add(batch(seg('20260101-000000'), [rec('Bounce', 1), rec('Bounce', 2)], 1)), true);
});
