// Behaviour every broker sink (amqp/, nats/) must show in the same words, checked one way for all.
import assert from 'node:assert/strict';
import type { Sink } from '../../src/deliver/sink.js';
import { kumoRecord, requestOf, rowOf } from './sink-requests.js';

/**
 * The broker down when the sink starts: a send fails as unreachable (connection refused), to be
 * retried; once `up()` has brought the broker back, the next send (record n = 2) is delivered.
 * Closes the sink.
 */
export async function downThenUp(s: Sink, up: () => Promise<void>): Promise<void> {
  try {
    const down = await s.send(requestOf(rowOf([kumoRecord(1)])));
    assert.equal(down.verdict, 'retry');
    assert.equal(down.kind, 'unreachable');
    assert.equal(down.signal, 'unreachable');
    assert.match(down.disposition!, /^connection error: ECONNREFUSED /);
    await up();
    assert.equal((await s.send(requestOf(rowOf([kumoRecord(2)])))).verdict, 'delivered');
  } finally {
    await s.close();
  }
}
