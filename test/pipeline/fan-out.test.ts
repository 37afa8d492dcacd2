import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FanOut } from '../../src/pipeline/fan-out.js';
import { HookSet, type RouteResult } from '../../src/pipeline/hook-select.js';
import type { LineBatch, SegmentRef } from '../../src/source/types.js';
import type { SelectOptions } from '../../src/hook/filter.js';
import { recordBytes, type ChunkInput } from '../../src/spool/types.js';
import { shareRegions } from '../../src/spool/body-store.js';
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

const rec = (type: string, n: number, extra = '') => `{"type":"${type}","n":${n}${extra}}\n`;

/** A chunk's records as text, whether back to back or not. */
function records(c: ChunkInput): string[] {
  const msg = { body: c.body, ends: Uint32Array.from(c.ends), starts: c.starts ? Uint32Array.from(c.starts) : null };
  return Array.from(c.lines, (_, i) => recordBytes(msg, i).toString());
}

interface HookDef {
  name: string;
  selection?: SelectOptions;
  chunkRecords?: number;
  chunkBytes?: number;
  route?: (buf: Buffer, start: number, end: number) => RouteResult;
}

function make(defs: HookDef[]) {
  const set = new HookSet(
    defs.map((d) => ({
      name: d.name,
      plain: d.selection ?? {},
      chunkRecords: d.chunkRecords ?? 3,
      chunkBytes: d.chunkBytes ?? 1 << 20,
      ...(d.route ? { route: d.route } : {}),
    })),
    silentLogger,
  );
  const hooks = set.counts.map((counts) => ({ counts }));
  const ids = new Map<string, number>();
  const owner = new Map<number, string>();
  const f = new FanOut(set, (hook, endpoint) => {
    const key = `${hook} ${endpoint}`;
    if (!ids.has(key)) {
      ids.set(key, ids.size + 1);
      owner.set(ids.size, key);
    }
    return ids.get(key)!;
  });
  const of = (chunks: ChunkInput[], key: string) => chunks.filter((c) => owner.get(c.queueId!) === key);
  return { f, hooks, of };
}

test('kept records become chunks of at most chunkRecords, with their line numbers and the exact bytes', () => {
  const { f } = make([{ name: 'h', selection: { types: new Set(['Delivery']) } }]);
  const lines = [rec('Delivery', 0), rec('Reception', 1), rec('Delivery', 2), rec('Delivery', 3), rec('Delivery', 4), rec('Bounce', 5)];
  const b = batch(seg('20260101-000000'), lines, 10);
  f.add(b);
  b.buf.fill(0); // the decode buffer may be reused at once: chunks own their bytes
  const { chunks, records: n } = f.take();
  assert.equal(n, 4);
  assert.deepEqual(chunks.map((c) => Array.from(c.lines)), [[10, 12, 13], [14]]);
  assert.deepEqual(chunks.map(records), [[lines[0], lines[2], lines[3]], [lines[4]]]);
  assert.equal(chunks[0]!.segmentKey, segmentKey('/d', '20260101-000000'));
  assert.deepEqual(f.queued, [4]);
});

test('a chunk never spans two segments', () => {
  const { f } = make([{ name: 'h', chunkRecords: 10 }]);
  f.add(batch(seg('20260101-000000'), [rec('Delivery', 0)]));
  f.add(batch(seg('20260101-000100'), [rec('Delivery', 1)]));
  assert.deepEqual(f.take().chunks.map((c) => c.segment), ['20260101-000000', '20260101-000100']);
});

test('a chunk stays within chunkBytes, counting the commas and brackets of an array body', () => {
  const r = rec('Delivery', 1);
  const { f } = make([{ name: 'h', chunkRecords: 100, chunkBytes: 3 * r.length + 3 + 2 }]);
  f.add(batch(seg('20260101-000000'), Array.from({ length: 7 }, () => r)));
  assert.deepEqual(f.take().chunks.map((c) => c.lines.length), [3, 3, 1]);
});

test('chunks stay whole when the arena fills up, and across many batches', () => {
  const { f } = make([{ name: 'h', chunkRecords: 50 }]);
  const big = `{"type":"Delivery","pad":"${'x'.repeat(20_000)}"}\n`;
  const all: string[] = [];
  for (let b = 0; b < 10; b++) {
    const lines = Array.from({ length: 13 }, (_, i) => big.replace('"pad"', `"i":${b * 13 + i},"pad"`));
    all.push(...lines);
    f.add(batch(seg('20260101-000000'), lines, b * 13));
  }
  const { chunks } = f.take();
  assert.deepEqual(chunks.flatMap(records), all);
  assert.deepEqual(chunks.flatMap((c) => Array.from(c.lines)), all.map((_, i) => i));
});

test('chunks larger than the first arrays, and chunks made after earlier ones closed, keep their own lines and spans', () => {
  // 'all' keeps every record in chunks of 500; 'odd' routes every other one to endpoints a and b
  // in turn, in chunks of 3 (not back to back: starts), so its chunks close and are made again,
  // from reused arrays, while the big one grows
  const odd = (buf: Buffer, s: number, e: number): RouteResult => {
    const o = (JSON.parse(buf.toString('utf8', s, e)) as { o?: number }).o;
    return o === undefined ? { unrouted: 'even' } : o % 4 === 1 ? 'a' : 'b';
  };
  const { f, of } = make([{ name: 'all', chunkRecords: 500 }, { name: 'odd', chunkRecords: 3, route: odd }]);
  const lines = Array.from({ length: 1200 }, (_, i) => (i % 2 ? `{"o":${i}}\n` : `{"e":${i}}\n`));
  const segment = seg('20260101-000000');
  for (let b = 0; b < 4; b++) f.add(batch(segment, lines.slice(b * 300, b * 300 + 300), b * 300));
  const { chunks } = f.take();
  const all = of(chunks, 'all ');
  assert.deepEqual(all.map((c) => c.lines.length), [500, 500, 200]);
  assert.deepEqual(all.flatMap(records), lines);
  assert.deepEqual(all.flatMap((c) => Array.from(c.lines)), lines.map((_, i) => i));
  for (const [endpoint, rest] of [['a', 1], ['b', 3]] as const) {
    const mine = of(chunks, `odd ${endpoint}`);
    const want = lines.map((_, i) => i).filter((i) => i % 4 === rest);
    assert.deepEqual(mine.flatMap(records), want.map((i) => lines[i]));
    assert.deepEqual(mine.flatMap((c) => Array.from(c.lines)), want);
    assert.ok(mine.every((c) => c.starts !== undefined && c.lines.length <= 3));
  }
});

test('a take with only consumed lines still says so (the checkpoint must move); a second has nothing', () => {
  const { f } = make([{ name: 'h', selection: { types: new Set(['Bounce']) } }]);
  f.add(batch(seg('20260101-000000'), [rec('Delivery', 0)]));
  assert.deepEqual(f.take(), { chunks: [], records: 0, consumed: true });
  assert.deepEqual(f.take(), { chunks: [], records: 0, consumed: false });
});

test('three hooks from one batch: each gets exactly its records; the bytes any kept are one region', () => {
  const { f, of, hooks } = make([
    { name: 'all', chunkRecords: 100 },
    { name: 'bounces', chunkRecords: 100, selection: { types: new Set(['Bounce']) } },
    { name: 'deliveries', chunkRecords: 100, selection: { types: new Set(['Delivery']) } },
  ]);
  const lines = [rec('Delivery', 0), rec('Bounce', 1), rec('Reception', 2), rec('Delivery', 3), rec('Bounce', 4)];
  f.add(batch(seg('20260101-000000'), lines));
  const { chunks, records: n } = f.take();
  assert.equal(n, 5 + 2 + 2);
  assert.deepEqual(of(chunks, 'all ').flatMap(records), lines);
  assert.deepEqual(of(chunks, 'bounces ').flatMap(records), [lines[1], lines[4]]);
  assert.deepEqual(of(chunks, 'deliveries ').flatMap(records), [lines[0], lines[3]]);
  assert.ok(of(chunks, 'bounces ')[0]!.starts, 'records not back to back say where each starts');
  assert.equal(of(chunks, 'all ')[0]!.starts, undefined);
  // written once: the chunks are views of one region exactly as long as the records
  const { buffers } = shareRegions(chunks);
  assert.equal(buffers.length, 1);
  assert.equal(buffers[0]!.length, lines.join('').length);
  assert.deepEqual(hooks.map((h) => h.counts.filtered), [0, 3, 3]);
});

test("a routed hook puts each record in its endpoint's chunk; a record with no route is counted, not queued", () => {
  const tenantOf = (buf: Buffer, s: number, e: number): RouteResult => {
    const t = (JSON.parse(buf.toString('utf8', s, e)) as { t?: string }).t;
    return t ? `https://h.example/${t}` : { unrouted: 'missing-field' };
  };
  const { f, of, hooks } = make([{ name: 'tenants', chunkRecords: 100, route: tenantOf }]);
  const lines = [rec('Delivery', 0, ',"t":"a"'), rec('Delivery', 1, ',"t":"b"'), rec('Delivery', 2), rec('Delivery', 3, ',"t":"a"')];
  f.add(batch(seg('20260101-000000'), lines));
  const { chunks } = f.take();
  assert.deepEqual(of(chunks, 'tenants https://h.example/a').flatMap(records), [lines[0], lines[3]]);
  assert.deepEqual(of(chunks, 'tenants https://h.example/b').flatMap(records), [lines[1]]);
  assert.equal(hooks[0]!.counts.unrouted, 1);
});
