// A broker hook through `tail --config`, beside an HTTP hook, from one read: the config's kind,
// servers and subject template reach the NATS sink; every record lands in the stream once, under
// its event id, on the subject its type renders.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NatsServer } from '../helpers/nats.js';
import { Rabbit } from '../helpers/rabbitmq.js';
import { Receiver } from '../helpers/receiver.js';
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

test('tail --config with a nats hook and an http hook: each gets every record, the stream under the event ids', async () => {
  const root = makeTempDir('loghook-brokerhook-');
  const rx = await Receiver.start();
  try {
    const logs = join(root.path, 'logs');
    mkdirSync(logs);
    const lines = publishable(300);
    writeSegment(logs, '20260101-000000.000000001', lines);
    await srv.addStream({ name: 'KUMO', subjects: ['kumo.events.>'] });
    const file = join(root.path, 'loghook.toml');
    writeFileSync(
      file,
      `state_dir = "state"\nlog_format = "json"\n[source]\nlog_dirs = ["logs"]\n` +
        `[[hook]]\nname = "web"\nurl = "${rx.url}"\nbatch_size = 50\n` +
        `[[hook]]\nname = "stream"\nkind = "nats"\nservers = ["${srv.url}"]\nsubject = "kumo.events.{type}"\n`,
    );
    const r = await runCli(['tail', '--config', file, '--once']);
    assert.equal(r.code, 0, r.stderr);
    const msgs = await srv.messages('KUMO');
    assert.equal(msgs.length, lines.length);
    assert.equal(new Set(msgs.map((m) => m.msgId)).size, lines.length, 'one Nats-Msg-Id per record');
    const web = new Set(rx.eventIds());
    for (const m of msgs) {
      assert.ok(web.has(m.msgId!), 'the same event id in both hooks');
      const rec = JSON.parse(m.data.toString()) as { type: string };
      assert.equal(m.subject, `kumo.events.${rec.type}`);
    }
    assert.equal(web.size, lines.length);
  } finally {
    await rx.close();
    root.cleanup();
  }
});

test('tail --config with an amqp hook: every record confirmed into the bound queue, routed by its type, message_id its event id', async () => {
  const rmq = await Rabbit.start();
  const root = makeTempDir('loghook-amqphook-');
  try {
    const admin = await rmq.connect();
    const ch = await admin.createChannel();
    await ch.assertExchange('kumo', 'topic', { durable: true });
    await ch.assertQueue('bounces', { durable: true });
    await ch.bindQueue('bounces', 'kumo', 'kumo.Bounce');
    await ch.assertQueue('all', { durable: true });
    await ch.bindQueue('all', 'kumo', 'kumo.#');
    await ch.close();
    await admin.close();
    const logs = join(root.path, 'logs');
    mkdirSync(logs);
    const lines = publishable(200, 3);
    writeSegment(logs, '20260101-000000.000000001', lines);
    const file = join(root.path, 'loghook.toml');
    writeFileSync(
      file,
      `state_dir = "state"\nlog_format = "json"\n[source]\nlog_dirs = ["logs"]\n` +
        `[[hook]]\nname = "rabbit"\nkind = "amqp"\nurl = "${rmq.url()}"\nexchange = "kumo"\nrouting_key = "kumo.{type}"\n`,
    );
    const r = await runCli(['tail', '--config', file, '--once']);
    assert.equal(r.code, 0, r.stderr);
    const all = await rmq.drain('all');
    assert.equal(all.length, lines.length);
    assert.equal(new Set(all.map((m) => m.properties.messageId as string)).size, lines.length);
    const bounces = await rmq.drain('bounces');
    assert.equal(bounces.length, lines.filter((l) => (JSON.parse(l) as { type: string }).type === 'Bounce').length);
    for (const m of bounces) assert.equal((JSON.parse(m.content.toString()) as { type: string }).type, 'Bounce');
  } finally {
    root.cleanup();
    await rmq.stop();
  }
});
