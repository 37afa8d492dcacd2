// loghook SIGKILLed again and again while it publishes to JetStream: with the event id as
// Nats-Msg-Id and a duplicate window longer than the test, every record must be in the stream
// exactly once, whatever copies the kills caused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NatsServer } from '../../helpers/nats.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { CRASH_SEGMENT_KEY, killAndRestart } from '../crash-support.js';

const KILLS = 22;
const TOTAL = 6000;
let srv: NatsServer;

before(async () => {
  srv = await NatsServer.start();
});

after(async () => {
  await srv?.stop();
});

test(`SIGKILLed ${KILLS} times while publishing: every record in the stream exactly once`, { timeout: 240_000 }, async () => {
  await srv.addStream({ name: 'CRASH', subjects: ['crash.>'], duplicate_window: 600_000_000_000 });
  const state = makeTempDir('loghook-nats-crash-');
  try {
    const { froms } = await killAndRestart(['nats', state.path, srv.url, 'crash.events', String(TOTAL)], KILLS);
    assert.ok(froms.at(-1)! > 0 && froms.at(-1)! < TOTAL, `the kills did not fall while records were being queued (last run started at ${froms.at(-1)})`);
  } finally {
    state.cleanup();
  }
  const got = await srv.messages('CRASH');
  const seen = new Map<number, number>();
  for (const m of got) {
    const n = (JSON.parse(m.data.toString()) as { n: number }).n;
    assert.equal(m.msgId, `${CRASH_SEGMENT_KEY}-${n}`);
    seen.set(n, (seen.get(n) ?? 0) + 1);
  }
  const missing = [];
  const twice = [];
  for (let n = 0; n < TOTAL; n++) {
    const k = seen.get(n) ?? 0;
    if (k === 0) missing.push(n);
    if (k > 1) twice.push(n);
  }
  assert.deepEqual(missing, [], `${missing.length} records never reached the stream`);
  assert.deepEqual(twice, [], `${twice.length} records are in the stream more than once`);
  assert.equal(got.length, TOTAL);
});
