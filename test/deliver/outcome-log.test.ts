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

test('the first failure of a kind is logged at once; the others go into one summary per interval, counted by kind (issue 10)', () => {
  const { lines, log } = harness();
  for (let t = 0; t < 10; t++) log.failure(t * 1000, 'status:503', 'retry', '503 Service Unavailable', 2);
  log.success(10_500, 5);
  log.failure(11_000, 'error:ECONNRESET', 'retry', 'connection error: ECONNRESET', 1);
  log.failure(12_000, 'error:ECONNRESET', 'retry', 'connection error: ECONNRESET', 1);
  assert.deepEqual(lines.map((l) => l.msg), ['delivery failed, will retry', 'delivery failed, will retry'], 'one line per new kind, nothing else yet');
  log.failure(30_000, 'status:503', 'retry', '503 Service Unavailable', 2);
  assert.equal(lines.length, 3);
  const summary = lines[2]!;
  assert.match(summary.msg, /^delivery failures in the last 30s/);
  assert.deepEqual(summary.fields!['failures'], { 'retry status:503': 9, 'retry error:ECONNRESET': 1 });
  assert.equal(summary.fields!['retried'], 22);
  assert.equal(summary.fields!['delivered'], 5);
  // the failure at 30 s starts the next interval: it shows in the next summary (or at flush)
  log.flush(31_000);
  assert.deepEqual(lines[3]!.fields!['failures'], { 'retry status:503': 1 });
  log.flush(32_000);
  assert.equal(lines.length, 4, 'nothing counted, nothing to say');
});

test('a kind of failure is new again after a whole interval without failures', () => {
  const { lines, log } = harness();
  log.failure(0, 'status:503', 'retry', '503', 1);
  log.failure(29_000, 'status:503', 'retry', '503', 1);
  assert.equal(lines.length, 1);
  log.failure(100_000, 'status:503', 'retry', '503', 1);
  assert.deepEqual(lines.map((l) => l.msg), ['delivery failed, will retry', 'delivery failures in the last 100s (not logged one by one)', 'delivery failed, will retry']);
});

test('a flapping breaker logs one back-off and one recovery per interval; the rest is counted in the summary', () => {
  const { lines, log } = harness();
  for (let i = 0; i < 10; i++) {
    log.breakerOpened(i * 2000, 1000);
    log.breakerClosed(i * 2000 + 1000);
  }
  assert.deepEqual(lines.map((l) => l.msg), ['receiver unavailable, backing off: one request at a time until it answers', 'receiver is back, full concurrency restored']);
  log.breakerOpened(31_000, 1000);
  assert.equal(lines[2]!.fields!['backedOffAgain'], 9);
  assert.equal(lines[2]!.fields!['endpoint'], 'up');
  assert.equal(lines[3]!.msg, 'receiver unavailable, backing off: one request at a time until it answers', 'a new interval: told again');
});

test('a back-off not logged on its own but summarized as ongoing gets its recovery line', () => {
  const { lines, log } = harness();
  log.breakerOpened(0, 1000);
  log.breakerClosed(100);
  log.breakerOpened(200, 1000); // counted, not logged
  log.failure(200, 'error:ECONNREFUSED', 'retry', 'connection error: ECONNREFUSED', 1);
  log.failure(31_000, 'error:ECONNREFUSED', 'retry', 'connection error: ECONNREFUSED', 1);
  assert.equal(lines.find((l) => l.msg.startsWith('delivery failures'))!.fields!['endpoint'], 'backing off');
  log.breakerClosed(40_000);
  assert.equal(lines.at(-1)!.msg, 'receiver is back, full concurrency restored');
  assert.equal(lines.filter((l) => l.msg.startsWith('receiver is back')).length, 2);
});

test('a success alone logs nothing, and the URL is logged without its password', () => {
  const { lines, log, notes } = harness();
  log.failure(0, 'status:503', 'retry', '503', 1);
  log.success(10, 1);
  log.success(20, 1);
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [['warn', 'delivery failed, will retry']]);
  log.failure(40, 'status:503', 'retry', '503', 1);
  log.flush(50);
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => !JSON.stringify(l).includes('secret')));
  assert.ok(notes.every((n) => !JSON.stringify(n).includes('secret')));
  assert.ok(JSON.stringify(lines).includes('hooks.example.com'));
});
