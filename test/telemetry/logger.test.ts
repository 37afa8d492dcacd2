import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, redactUrl } from '../../src/telemetry/logger.js';

test('json lines carry time, level, message and fields; text lines read as sentences', () => {
  const lines: string[] = [];
  const json = createLogger({ format: 'json', write: (l) => lines.push(l), now: () => 0 });
  json.warn('queue full', { records: 5 });
  assert.deepEqual(JSON.parse(lines[0]!), { time: '1970-01-01T00:00:00.000Z', level: 'warn', msg: 'queue full', records: 5 });
  const text = createLogger({ format: 'text', write: (l) => lines.push(l) });
  text.info('caught up', { delivered: 3, url: 'a b' });
  assert.equal(lines[1], 'loghook: caught up delivered=3 url="a b"\n');
});

test('the level filters lower lines out', () => {
  const lines: string[] = [];
  const log = createLogger({ format: 'text', level: 'warn', write: (l) => lines.push(l) });
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  assert.deepEqual(lines, ['loghook: warn: w\n', 'loghook: error: e\n']);
});

test('redactUrl drops the password and user of a URL', () => {
  assert.equal(redactUrl('https://user:secret@hooks.example.com/kumo'), 'https://hooks.example.com/kumo');
  assert.equal(redactUrl('not a url'), '<invalid url>');
});

test('redactUrl masks every query value, a bare query token and the fragment, keeping the names', () => {
  assert.equal(redactUrl('https://user:pw@hooks.example.com/kumo?token=s3cr3t&x=1'), 'https://hooks.example.com/kumo?token=***&x=***');
  assert.equal(redactUrl('https://hooks.example.com/kumo?abcdef0123456789'), 'https://hooks.example.com/kumo?***');
  assert.equal(redactUrl('https://hooks.example.com/kumo?a=1&&sig=x%3Dy#k=v'), 'https://hooks.example.com/kumo?a=***&&sig=***#***');
  assert.equal(redactUrl('http://127.0.0.1:8080/hook'), 'http://127.0.0.1:8080/hook');
});
