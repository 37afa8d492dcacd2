// The gate between reading and delivery: reading ahead of delivery is the normal pace, not a pause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gate } from '../../src/pipeline/gate.js';
import { silentLogger } from '../../src/telemetry/logger.js';

test('reading that waits for delivery to catch up is not reported as paused; a full queue is', async () => {
  let outstanding = 6000;
  let records = 0;
  let changes = 0;
  const gate = new Gate(
    {
      counts: () => ({ rows: records, records, bytes: records * 100 }),
      outstanding: () => outstanding,
      receiverHealthy: () => true,
      changed: async () => {
        changes++;
        await new Promise((r) => setTimeout(r, 1));
      },
    },
    { maxQueueRecords: 10_000, readAheadRecords: 5000, logger: silentLogger },
  );
  const ahead = gate.room();
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(changes > 0, 'reading waits while 6000 records are ahead of delivery');
  assert.equal(gate.paused, null);
  outstanding = 0;
  await ahead;
  records = 10_000;
  const full = gate.room();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(gate.paused, 'queue full');
  records = 0;
  await full;
  assert.equal(gate.paused, null);
});
