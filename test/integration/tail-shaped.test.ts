// `loghook tail --config` with shaped hooks: the built binary, real zstd segments, a real
// receiver. A fields hook in envelopes and a template hook from a file, from one read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { Receiver } from '../helpers/receiver.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { parseEventIdList } from '../../src/hook/event-id-list.js';
import { publishable } from './tail-support.js';

interface Envelope {
  batch_id: string;
  events: { id: string; record: Record<string, unknown> }[];
}

test('tail --config delivers a fields hook as envelopes and a template_file hook, each record once, shaped', async () => {
  const root = makeTempDir('loghook-shaped-');
  const [a, b] = [await Receiver.start(), await Receiver.start()];
  try {
    mkdirSync(join(root.path, 'logs'));
    const lines = publishable(30);
    writeSegment(join(root.path, 'logs'), '20260101-000000.000000001', lines);
    writeFileSync(join(root.path, 'events.j2'), '{"event": {{ type | tojson }}, "to": {{ recipient | tojson }}, "node": "mta1"}\n');
    writeFileSync(join(root.path, 'loghook.toml'), [
      'state_dir = "state"', 'log_format = "json"', '[source]', 'log_dirs = ["logs"]',
      '[[hook]]', 'name = "slim"', `url = "${a.url}"`, 'batch_size = 7', 'batch_format = "envelope"',
      'body = "fields"', 'fields = ["type", "meta.tenant", "recipient"]', 'rename = { "meta.tenant" = "tenant" }', 'add = { node = "mta1" }',
      '[[hook]]', 'name = "tpl"', `url = "${b.url}"`, 'batch_size = 10', 'batch_format = "ndjson"', 'body = "template"', 'template_file = "events.j2"',
      '',
    ].join('\n'));
    const r = await runCli(['tail', '--config', join(root.path, 'loghook.toml'), '--once']);
    assert.equal(r.code, 0, r.stderr);

    const originals = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const envelopes = a.requests.map((q) => ({ q, env: JSON.parse(q.body.toString()) as Envelope }));
    const events = envelopes.flatMap(({ env }) => env.events);
    assert.equal(events.length, 30);
    assert.equal(new Set(events.map((e) => e.id)).size, 30);
    for (const { q, env } of envelopes) {
      assert.equal(env.batch_id, q.headers['webhook-id']);
      const listed = env.events.length > 1 ? parseEventIdList(String(q.headers['loghook-event-ids'])) : [q.headers['webhook-id']];
      assert.deepEqual(env.events.map((e) => e.id), listed);
    }
    events.forEach((e, i) => {
      const o = originals[i]!;
      const tenant = (o.meta as Record<string, unknown> | undefined)?.tenant;
      assert.deepEqual(e.record, { type: o.type, ...(tenant !== undefined ? { tenant } : {}), recipient: o.recipient, node: 'mta1' });
    });

    const rendered = b.requests.flatMap((q) => q.body.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown));
    assert.deepEqual(rendered, originals.map((o) => ({ event: o.type, to: o.recipient, node: 'mta1' })));
  } finally {
    await a.close();
    await b.close();
    root.cleanup();
  }
});

test('loghook check names the template file and line of a template that does not compile', async () => {
  const root = makeTempDir('loghook-shaped-');
  try {
    mkdirSync(join(root.path, 'logs'));
    const tpl = join(root.path, 'bad.j2');
    writeFileSync(tpl, '{\n  "type": {{ type | tojson }},\n  "id": {{ id + }}\n}\n');
    const file = join(root.path, 'loghook.toml');
    writeFileSync(file, `[source]\nlog_dirs = ["logs"]\n[[hook]]\nname = "t"\nurl = "http://127.0.0.1:9/"\nbody = "template"\ntemplate_file = "bad.j2"\n`);
    const r = await runCli(['check', '--config', file]);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`${file}: line 7: hook 't': template_file: ${tpl}: line 3, column`), r.stderr);
    assert.match(r.stderr, /unexpected token: \}\}/);
  } finally {
    root.cleanup();
  }
});

test('tail DIR --url --batch-format envelope sends envelopes of the raw records', async () => {
  const root = makeTempDir('loghook-shaped-');
  const rx = await Receiver.start();
  try {
    mkdirSync(join(root.path, 'logs'));
    const lines = publishable(12);
    writeSegment(join(root.path, 'logs'), '20260101-000000.000000001', lines);
    const r = await runCli(['tail', join(root.path, 'logs'), '--url', rx.url, '--state-dir', join(root.path, 'state'), '--once', '--batch-size', '5', '--batch-format', 'envelope', '--log-format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const events = rx.requests.flatMap((q) => (JSON.parse(q.body.toString()) as Envelope).events);
    assert.deepEqual(events.map((e) => e.record), lines.map((l) => JSON.parse(l) as unknown));
    assert.deepEqual(events.map((e) => e.id), rx.eventIds());
  } finally {
    await rx.close();
    root.cleanup();
  }
});
