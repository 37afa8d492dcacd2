import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, classifyStatus, dispositionOf, parseStatusList, sinkOutcomeOf } from '../../../src/sinks/http/policy.js';
import type { HttpOutcome } from '../../../src/sinks/http/client.js';
import { UsageError } from '../../../src/util/errors.js';

const res = (status: number, statusText = '', bodySnippet = ''): HttpOutcome => ({
  kind: 'response',
  status,
  statusText,
  headers: {},
  bodySnippet,
});

test('2xx is delivered', () => {
  for (const s of [200, 201, 202, 204, 299]) assert.equal(classifyStatus(s), 'delivered');
});

test('408, 429, 500, 502, 503, 504 and other 5xx are retried', () => {
  for (const s of [408, 429, 500, 502, 503, 504, 507, 520, 599]) assert.equal(classifyStatus(s), 'retry', String(s));
});

test('4xx other than 408, 429 (and 413, 431 for a batch), 501 and 505 are final', () => {
  for (const s of [400, 401, 403, 404, 410, 413, 415, 422, 431, 501, 505]) assert.equal(classifyStatus(s), 'final', String(s));
});

test('every transport error is retried', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_SOCKET', 'ENOTFOUND']) {
    assert.equal(classify({ kind: 'error', code, message: 'x' }), 'retry');
  }
});

test('--retry-on and --final-on change the verdict', () => {
  const policy = { retryOn: parseStatusList('404, 409'), finalOn: parseStatusList('503') };
  assert.equal(classifyStatus(404, policy), 'retry');
  assert.equal(classifyStatus(409, policy), 'retry');
  assert.equal(classifyStatus(503, policy), 'final');
  assert.equal(classifyStatus(500, policy), 'retry');
  assert.equal(classifyStatus(400, policy), 'final');
});

test('the narrowest override wins; a tie goes to retry', () => {
  const p = { retryOn: parseStatusList('4xx'), finalOn: parseStatusList('404') };
  assert.equal(classifyStatus(404, p), 'final');
  assert.equal(classifyStatus(400, p), 'retry');
  const tie = { retryOn: parseStatusList('500-504'), finalOn: parseStatusList('500-504') };
  assert.equal(classifyStatus(502, tie), 'retry');
  const range = { finalOn: parseStatusList('5xx'), retryOn: parseStatusList('502-503') };
  assert.equal(classifyStatus(503, range), 'retry');
  assert.equal(classifyStatus(500, range), 'final');
});

test('overrides never turn a 2xx into a failure, nor a transport error into final', () => {
  assert.throws(() => parseStatusList('2xx'), UsageError);
  assert.throws(() => parseStatusList('199-201'), UsageError);
  assert.equal(classify({ kind: 'error', code: 'ECONNRESET', message: '' }, { finalOn: parseStatusList('5xx') }), 'retry');
});

test('parseStatusList reads statuses, classes and ranges separated by commas or spaces', () => {
  assert.deepEqual(
    parseStatusList(' 429, 5XX  500-504,').map((r) => [r.from, r.to]),
    [[429, 429], [500, 599], [500, 504]],
  );
  assert.deepEqual(parseStatusList(''), []);
});

test('parseStatusList names the bad item', () => {
  for (const bad of ['abc', '6xx', '42', '504-500', '700', '4xx5']) {
    assert.throws(() => parseStatusList(`429,${bad}`, '--retry-on'), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /^--retry-on: /);
      assert.ok(e.message.includes(`"${bad}"`), e.message);
      return true;
    });
  }
});

test('disposition reads like KumoMTA: status, reason, body on one line', () => {
  assert.equal(dispositionOf(res(503, 'Service Unavailable', 'busy,\n try later\n')), '503 Service Unavailable: busy, try later');
  assert.equal(dispositionOf(res(404, 'Not Found', '')), '404 Not Found');
  assert.equal(
    dispositionOf({ kind: 'error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' }),
    'connection error: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9',
  );
});

test('certificate errors are config failures whose disposition names the fix', () => {
  const cases: [string, RegExp][] = [
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', /unknown authority: set ca_file/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /unknown authority: set ca_file/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /self-signed: set ca_file/],
    ['CERT_HAS_EXPIRED', /has expired/],
    ['CERT_NOT_YET_VALID', /not valid yet: check this host's clock/],
    ['CERT_REVOKED', /was revoked/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /not for this host name.*tls_server_name/],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', /requires a client certificate/],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', /refused the client certificate/],
    ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', /refused the client certificate.*expired/],
    ['ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', /tls_min_version/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', /does not speak TLS/],
  ];
  for (const [code, re] of cases) {
    const out = sinkOutcomeOf({ kind: 'error', code, message: 'm' }, undefined, 0);
    assert.equal(out.kind, 'config', code);
    assert.equal(out.verdict, 'retry', code);
    assert.equal(out.signal, 'unreachable', code);
    assert.equal(out.failureKey, `tls:${code}`);
    assert.match(out.disposition!, re, code);
  }
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'ENOTFOUND']) {
    assert.equal(sinkOutcomeOf({ kind: 'error', code, message: 'm' }, undefined, 0).kind, 'unreachable', code);
  }
});

test('3xx is retried as a configuration problem; 413 and 431 depend on the batch', () => {
  const r = (status: number, headers = {}): HttpOutcome => ({ kind: 'response', status, statusText: '', headers, bodySnippet: '' });
  assert.equal(classifyStatus(302), 'retry');
  assert.match(sinkOutcomeOf(r(302), undefined, 0).disposition!, /names no Location: check the url/);
  assert.equal(classifyStatus(413, undefined, 2), 'retry');
  assert.equal(classifyStatus(413, undefined, 1), 'final');
  assert.equal(sinkOutcomeOf(r(431), undefined, 0, 5).kind, 'too-large');
  assert.equal(sinkOutcomeOf(r(415), undefined, 0).endpointLevel, 415);
});
