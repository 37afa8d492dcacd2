import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutcomeLog } from '../../src/deliver/outcome-log.js';
import type { QueuePort } from '../../src/deliver/queue-port.js';

function harness() {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, ...(fields ? { fields } : {}) });
  const notes: unknown[] = [];
  const queue = { noteEndpoint: (...a: unknown[]) => void notes.push(a) } as unknown as QueuePort;
  const log = new OutcomeLog({ debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, queue, 'https://u:secret@hooks.example.com/k');
  return { lines, notes, log };
}

test('one warning per kind of failure, a reminder after 5 minutes with the count of the ones not logged', () => {
  const { lines, log } = harness();
  for (let t = 0; t < 10; t++) log.failure(t * 1000, '503', 'retry', '503 Service Unavailable', 1);
  assert.equal(lines.length, 1);
  log.failure(5 * 60_000, '503', 'retry', '503 Service Unavailable', 1);
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.fields!['sameFailuresSinceLastLog'], 9);
  log.failure(5 * 60_000 + 1, 'ECONNREFUSED', 'retry', 'connection error: ECONNREFUSED', 1);
  assert.equal(lines.length, 3, 'a new kind of failure is logged at once');
});

test('recovery after transient failures is one info line; the URL is logged without its password', () => {
  const { lines, log, notes } = harness();
  log.failure(0, '503', 'retry', '503', 1);
  log.success(10);
  log.success(20);
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [['warn', 'delivery failed, will retry'], ['info', 'receiver accepts records again']]);
  assert.ok(lines.every((l) => !JSON.stringify(l).includes('secret')));
  assert.ok(notes.every((n) => !JSON.stringify(n).includes('secret')));
});
