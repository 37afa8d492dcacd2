// loghook SIGKILLed again and again while it publishes to RabbitMQ: every record must be in the
// bound queue at least once, and a record that is there twice carries the same message_id both
// times (a consumer can drop the copy).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rabbit } from '../../helpers/rabbitmq.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { CRASH_SEGMENT_KEY, killAndRestart } from '../crash-support.js';

const KILLS = 22;
const TOTAL = 6000;
let rmq: Rabbit;

before(async () => {
  rmq = await Rabbit.start();
});

after(async () => {
  await rmq?.stop();
});

test(`SIGKILLed ${KILLS} times while publishing: every record in the queue at least once, duplicates only with the same message_id`, { timeout: 240_000 }, async () => {
  const c = await rmq.connect();
  const ch = await c.createChannel();
  await ch.assertExchange('crash', 'topic', { durable: true });
  await ch.assertQueue('crash', { durable: true });
  await ch.bindQueue('crash', 'crash', '#');
  await c.close();
  const state = makeTempDir('loghook-amqp-crash-');
  try {
    const { kills, froms } = await killAndRestart(['amqp', state.path, rmq.url(), 'crash', String(TOTAL)], KILLS);
    assert.equal(kills, KILLS);
    assert.ok(froms.at(-1)! > 0 && froms.at(-1)! < TOTAL, `the kills did not fall while records were being queued (last run started at ${froms.at(-1)})`);
  } finally {
    state.cleanup();
  }
  const got = await rmq.drain('crash');
  const idOf = new Map<number, string>();
  let duplicates = 0;
  for (const m of got) {
    const n = (JSON.parse(m.content.toString()) as { n: number }).n;
    const id = m.properties.messageId as string;
    assert.equal(id, `${CRASH_SEGMENT_KEY}-${n}`, 'message_id is the record\'s event id');
    if (idOf.has(n)) {
      duplicates++;
      assert.equal(idOf.get(n), id);
    }
    idOf.set(n, id);
  }
  const missing = [];
  for (let n = 0; n < TOTAL; n++) if (!idOf.has(n)) missing.push(n);
  assert.deepEqual(missing, [], `${missing.length} records never reached the queue`);
  process.stderr.write(`amqp crash test: ${KILLS} kills, ${TOTAL} records, ${duplicates} duplicates\n`);
});
