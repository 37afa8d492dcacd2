// body = "template": KumoMTA's per_record.template syntax through a real sink to a real receiver;
// template errors at load name the file and line; a record the template fails on does not hold
// up the others (through the real Dispatcher).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBodyShaper } from '../../src/body/shaper.js';
import { Dispatcher } from '../../src/deliver/dispatcher.js';
import { HttpSink } from '../../src/sinks/http/sink.js';
import { UsageError } from '../../src/util/errors.js';
import { FakeQueue } from '../deliver/fake-queue.js';
import { captureLogger, until, type LogLine } from '../deliver/harness.js';
import { ManualClock, seededRandom } from '../helpers/manual-clock.js';
import { Receiver } from '../helpers/receiver.js';
import { makeTempDir } from '../helpers/tmp.js';
import { kumo, kumoRows, plainBody, requestOf, withShapedSink } from './support.js';

const inline = (template: string) => ({ mode: 'template' as const, template });

test('{{ log_record | tojson }} sends each record as it was logged', async () => {
  await withShapedSink(inline('{{ log_record | tojson }}'), 'array', {}, async ({ rx, sink }) => {
    await sink.send(requestOf(kumoRows([3])));
    assert.deepEqual(JSON.parse(plainBody(rx.requests[0]!).toString()), [0, 1, 2].map((i) => kumo(i)));
  });
});

test('fields by name, nested members and filters render as in KumoMTA\'s templates', async () => {
  const tpl = '{"event": {{ type | lower | tojson }}, "to": {{ recipient | tojson }}, "code": {{ response.code }}, "tenant": {{ meta.tenant | upper | tojson }}, "pool": {{ egress_pool | default("none") | tojson }}, "age": {{ timestamp - 1790000000 }}}';
  await withShapedSink(inline(tpl), 'array', {}, async ({ rx, sink }) => {
    await sink.send(requestOf(kumoRows([2])));
    assert.deepEqual(JSON.parse(plainBody(rx.requests[0]!).toString()), [0, 1].map((i) => ({ event: 'delivery', to: `user${i}@example.net`, code: 250, tenant: 'ACME', pool: 'none', age: i })));
  });
});

test('log_record and its fields together, with {% if %}; a derived field (tenant) by name', async () => {
  const tpl = '{% if type == "Bounce" %}{"bounce": {{ log_record.recipient | tojson }}}{% else %}{"other": {{ log_record.type | tojson }}, "tenant": {{ tenant | tojson }}}{% endif %}';
  await withShapedSink(inline(tpl), 'ndjson', {}, async ({ rx, sink }) => {
    await sink.send(requestOf(kumoRows([3], (i) => kumo(i, { type: i === 1 ? 'Bounce' : 'Delivery', tenant: 't' + i }))));
    const lines = plainBody(rx.requests[0]!).toString().split('\n');
    assert.deepEqual(lines.slice(0, 3).map((l) => JSON.parse(l)), [{ other: 'Delivery', tenant: 't0' }, { bounce: 'user1@example.net' }, { other: 'Delivery', tenant: 't2' }]);
    assert.equal(lines[3], '');
  });
});

test('template_file: the template is read from its file, its trailing newline dropped', async () => {
  const dir = makeTempDir('loghook-tpl-');
  try {
    const file = join(dir.path, 'events.j2');
    writeFileSync(file, '{"t": {{ type | tojson }},\n "id": {{ id | tojson }}}\n');
    await withShapedSink({ mode: 'template', templateFile: file }, 'array', {}, async ({ rx, sink }) => {
      await sink.send(requestOf(kumoRows([1])));
      assert.equal(plainBody(rx.requests[0]!).toString(), '{"t": "Delivery",\n "id": "m0"}');
    });
  } finally {
    dir.cleanup();
  }
});

test('a template_file that does not compile is refused at load, naming the file and the line', () => {
  const dir = makeTempDir('loghook-tpl-');
  try {
    const file = join(dir.path, 'bad.j2');
    writeFileSync(file, '{\n  "type": {{ type | tojson }},\n  "id": {{ id + }},\n}\n');
    assert.throws(() => createBodyShaper({ mode: 'template', templateFile: file }, 'array'), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, new RegExp(`^template_file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 3, column \\d+: unexpected token: }}`));
      return true;
    });
    assert.throws(() => createBodyShaper({ mode: 'template', template: '{{ type | no_such_filter }}' }, 'array'), /UsageError: template: the template's line 1, column \d+: unknown filter 'no_such_filter'/);
  } finally {
    dir.cleanup();
  }
});

test('a record the template fails on goes to the dead letters naming its event id and line; the rest of its batch is delivered', async () => {
  const rx = await Receiver.start();
  const clock = new ManualClock(Date.now());
  const queue = new FakeQueue('0123456789abcdef');
  const logs: LogLine[] = [];
  // kumod records are objects: calling one of their fields is a render error, here for Bounces only
  const shaper = createBodyShaper(inline('{% if type == "Bounce" %}\n{{ recipient() }}{% endif %}{"id": {{ id | tojson }}}'), 'array');
  const sink = new HttpSink({ url: rx.url, version: '1', connections: 2, timeoutMs: 5000, logger: captureLogger(logs), clock, shaper });
  const d = new Dispatcher({ sink, queue, clock, random: seededRandom(1), logger: captureLogger(logs), batchSize: 100, concurrency: 2 });
  try {
    queue.add(Array.from({ length: 20 }, (_, i) => kumo(i, { type: i === 13 ? 'Bounce' : 'Delivery' })), { firstLine: 0, createdAt: clock.now() });
    void d.start();
    await until(() => queue.delivered.length + queue.dead.length === 20, 'every record settled');
    assert.equal(queue.delivered.length, 19);
    assert.equal(queue.dead.length, 1);
    assert.equal(queue.dead[0]!.eventId, '0123456789abcdef-13');
    assert.match(queue.dead[0]!.disposition, /^not sent: event 0123456789abcdef-13 cannot be shaped: template: line 2: .*Unable to call `recipient`/);
    const ids = rx.requests.flatMap((r) => ([] as unknown[]).concat(JSON.parse(plainBody(r).toString()))).map((x) => (x as { id: string }).id);
    assert.deepEqual(ids.sort(), Array.from({ length: 20 }, (_, i) => `m${i}`).filter((m) => m !== 'm13').sort());
    assert.ok(logs.some((l) => String(l.msg).includes('event 0123456789abcdef-13 cannot be shaped')), 'the split is logged with its cause');
  } finally {
    await d.stop({ timeoutMs: 0 });
    await sink.destroy();
    await rx.close();
  }
});
