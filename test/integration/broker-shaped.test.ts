// Broker hooks with body shaping through the built binary (issue 7): `loghook check` accepts
// body, fields, rename, add, template_file and batch_format = "envelope" on amqp and nats hooks
// without a "not run yet" note, and `tail --config --once` publishes them shaped to a real
// nats-server: envelopes of chosen fields, and a template's lines, each record once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NatsServer } from '../helpers/nats.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/tmp.js';
import { writeSegment } from '../helpers/segment-writer.js';
import { publishable } from './tail-support.js';

let srv: NatsServer;
before(async () => {
  srv = await NatsServer.start();
});
after(async () => {
  await srv?.stop();
});

interface Envelope {
  batch_id: string;
  events: { id: string; record: Record<string, unknown> }[];
}

const SHAPED = (servers: string) => [
  '[[hook]]', 'name = "slim"', 'kind = "nats"', `servers = ["${servers}"]`, 'subject = "slim.{type}"', 'batch_size = 7', 'batch_format = "envelope"',
  'body = "fields"', 'fields = ["type", "meta.tenant", "recipient"]', 'rename = { "meta.tenant" = "tenant" }', 'add = { node = "mta1" }',
  '[[hook]]', 'name = "tpl"', 'kind = "nats"', `servers = ["${servers}"]`, 'subject = "tpl.events"', 'batch_size = 10', 'batch_format = "ndjson"',
  'body = "template"', 'template_file = "events.j2"',
];

/** The line of an event id `<segment key>-<line>`. */
const lineOf = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));

test('loghook check accepts body shaping and batch_format envelope on amqp and nats hooks, with no note that tail does not run them', async () => {
  const root = makeTempDir('loghook-brokershaped-');
  try {
    mkdirSync(join(root.path, 'logs'));
    writeFileSync(join(root.path, 'events.j2'), '{"event": {{ type | tojson }}}\n');
    const file = join(root.path, 'loghook.toml');
    writeFileSync(file, [
      '[source]', 'log_dirs = ["logs"]', ...SHAPED('nats://127.0.0.1:4222'),
      '[[hook]]', 'name = "rabbit"', 'kind = "amqp"', 'url = "amqp://127.0.0.1:5672/"', 'exchange = "kumo"', 'routing_key = "kumo.{type}"', 'batch_size = 5', 'batch_format = "envelope"',
      'body = "template"', 'template = "{{ log_record | tojson }}"', '',
    ].join('\n'));
    const r = await runCli(['check', '--config', file]);
    const out = r.stdout.toString();
    assert.equal(r.code, 0, r.stderr.toString());
    assert.ok(out.startsWith(`# ${file}: valid, 3 hooks;`), out);
    assert.doesNotMatch(out, /# note:|not implemented/);
    assert.match(out, /batch_format = "envelope"/);
  } finally {
    root.cleanup();
  }
});

test('tail --config publishes a nats hook\'s envelopes of chosen fields and another\'s template lines, each record once under its event id', async () => {
  const root = makeTempDir('loghook-brokershaped-');
  try {
    const logs = join(root.path, 'logs');
    mkdirSync(logs);
    const lines = publishable(30);
    writeSegment(logs, '20260101-000000.000000001', lines);
    writeFileSync(join(root.path, 'events.j2'), '{"event": {{ type | tojson }}, "to": {{ recipient | tojson }}}\n');
    await srv.addStream({ name: 'SLIM', subjects: ['slim.>'] });
    await srv.addStream({ name: 'TPL', subjects: ['tpl.>'] });
    const file = join(root.path, 'loghook.toml');
    writeFileSync(file, ['state_dir = "state"', 'log_format = "json"', '[source]', 'log_dirs = ["logs"]', ...SHAPED(srv.url), ''].join('\n'));
    const r = await runCli(['tail', '--config', file, '--once']);
    assert.equal(r.code, 0, r.stderr);
    const originals = lines.map((l) => JSON.parse(l) as Record<string, unknown>);

    const slim = await srv.messages('SLIM');
    const events = slim.flatMap((m) => {
      const env = JSON.parse(m.data.toString()) as Envelope;
      assert.equal(env.batch_id, m.msgId, 'batch_id is the message\'s Nats-Msg-Id');
      const listed = env.events.length > 1 ? m.headers['Loghook-Event-Ids']!.split(',') : [m.msgId];
      assert.deepEqual(env.events.map((e) => e.id), listed, 'the envelope\'s ids are the message\'s, in order');
      for (const e of env.events) assert.equal(m.subject, `slim.${String(e.record.type)}`);
      return env.events;
    });
    assert.deepEqual(events.map((e) => lineOf(e.id)).sort((a, b) => a - b), originals.map((_, i) => i), 'every record once');
    for (const e of events) {
      const o = originals[lineOf(e.id)]!;
      const tenant = (o.meta as Record<string, unknown> | undefined)?.tenant;
      assert.deepEqual(e.record, { type: o.type, ...(tenant !== undefined ? { tenant } : {}), recipient: o.recipient, node: 'mta1' });
    }

    const rendered = (await srv.messages('TPL')).flatMap((m) => {
      const out = m.data.toString().split('\n');
      assert.equal(out.pop(), '', 'each line ends in a newline');
      const ids = out.length > 1 ? m.headers['Loghook-Event-Ids']!.split(',') : [m.msgId!];
      assert.equal(m.headers['Content-Type'], out.length > 1 ? 'application/x-ndjson' : 'application/json');
      return out.map((l, j) => [lineOf(ids[j]!), JSON.parse(l) as unknown] as const);
    });
    assert.deepEqual(rendered.sort((a, b) => a[0] - b[0]), originals.map((o, i) => [i, { event: o.type, to: o.recipient }]));
  } finally {
    root.cleanup();
  }
});
