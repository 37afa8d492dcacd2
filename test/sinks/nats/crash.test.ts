// loghook SIGKILLed again and again while it publishes to JetStream, records of three types on
// the subjects they render. One message per record: with the event id as Nats-Msg-Id and a
// duplicate window longer than the test, every record must be in the stream exactly once,
// whatever copies the kills caused. Batches of 25: every record at least once, under its own
// subject and named by its event id (a batch re-formed after a restart has another id: README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NatsServer } from '../../helpers/nats.js';
import { forTestFile } from '../../helpers/broker-server.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { copiesPerRecord, killAndRestart } from '../crash-support.js';

const KILLS = 22;
const TOTAL = 6000;
const srv = forTestFile(new NatsServer());

async function crashRun(stream: string, prefix: string, batch: number) {
  await srv.addStream({ name: stream, subjects: [`${prefix}.>`], duplicate_window: 600_000_000_000 });
  const state = makeTempDir('loghook-nats-crash-');
  try {
    const { kills, froms } = await killAndRestart(['nats', state.path, srv.url, prefix, String(TOTAL), String(batch)], KILLS);
    assert.equal(kills, KILLS);
    assert.ok(froms.at(-1)! > 0 && froms.at(-1)! < TOTAL, `the kills did not fall while records were being queued (last run started at ${froms.at(-1)})`);
  } finally {
    state.cleanup();
  }
  const got = await srv.messages(stream);
  return { got, ...copiesPerRecord(got.map((m) => ({ key: m.subject, body: m.data, id: m.msgId, eventIds: m.headers['Loghook-Event-Ids'] })), TOTAL, prefix) };
}

test(`SIGKILLed ${KILLS} times while publishing one record a message: every record in the stream exactly once`, { timeout: 240_000 }, async () => {
  const { got, missing, twice } = await crashRun('CRASH', 'crash', 1);
  assert.deepEqual(missing, [], `${missing.length} records never reached the stream`);
  assert.deepEqual(twice, [], `${twice.length} records are in the stream more than once`);
  assert.equal(got.length, TOTAL);
});

test(`SIGKILLed ${KILLS} times while publishing batches of 25 of three subjects: every record in the stream, under its subject and event id`, { timeout: 240_000 }, async () => {
  const { missing, duplicates } = await crashRun('CRASHB', 'crashb', 25);
  assert.deepEqual(missing, [], `${missing.length} records never reached the stream`);
  process.stderr.write(`nats crash test, batches of 25: ${KILLS} kills, ${TOTAL} records, ${duplicates} stored twice under a re-formed batch id\n`);
});
