// loghook SIGKILLed again and again while it publishes to RabbitMQ, records of three types under
// the routing keys they render: every record must be in the bound queue at least once, under its
// own key, and every copy names it by its event id (message_id for one record a message, its
// place in loghook-event-ids for a batch), so a consumer can drop the copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rabbit } from '../../helpers/rabbitmq.js';
import { forTestFile } from '../../helpers/broker-server.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { copiesPerRecord, killAndRestart } from '../crash-support.js';

const KILLS = 22;
const TOTAL = 6000;
const rmq = forTestFile(new Rabbit());

for (const batch of [1, 25]) {
  test(`SIGKILLed ${KILLS} times while publishing ${batch === 1 ? 'one record a message' : `batches of ${batch} of three keys`}: every record in the queue at least once, under its key, copies named by its event id`, { timeout: 240_000 }, async () => {
    const exchange = `crash-${batch}`;
    await rmq.declare(exchange, [{ queue: exchange, pattern: 'kumo.#' }]);
    const state = makeTempDir('loghook-amqp-crash-');
    try {
      const { kills, froms } = await killAndRestart(['amqp', state.path, rmq.url(), exchange, String(TOTAL), String(batch)], KILLS);
      assert.equal(kills, KILLS);
      assert.ok(froms.at(-1)! > 0 && froms.at(-1)! < TOTAL, `the kills did not fall while records were being queued (last run started at ${froms.at(-1)})`);
    } finally {
      state.cleanup();
    }
    const got = await rmq.drain(exchange);
    const { missing, duplicates } = copiesPerRecord(
      got.map((m) => ({ key: m.fields.routingKey, body: m.content, id: m.properties.messageId as string | undefined, eventIds: m.properties.headers?.['loghook-event-ids'] as string | undefined })),
      TOTAL, 'kumo',
    );
    assert.deepEqual(missing, [], `${missing.length} records never reached the queue`);
    process.stderr.write(`amqp crash test, batch ${batch}: ${KILLS} kills, ${TOTAL} records, ${duplicates} duplicates\n`);
  });
}
