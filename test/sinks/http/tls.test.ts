// TLS against real https receivers with certificates made for the test (certs.ts): every key
// has a test that fails without it, and every certificate failure its message and outcome.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rootCertificates } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpSink } from '../../../src/sinks/http/sink.js';
import { tlsConnectOptions } from '../../../src/sinks/http/tls.js';
import type { SinkOutcome } from '../../../src/deliver/sink.js';
import { UsageError } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/telemetry/logger.js';
import { Receiver } from '../../helpers/receiver.js';
import { CLIENT_KEY_PASSWORD, makePki, opensslServer, type TestPki } from './certs.js';
import { requestOf, rowsOf, withSink } from './support.js';

let pki: TestPki;
before(() => (pki = makePki()));
after(() => pki.cleanup());

const serve = (pair: { cert: string; key: string }, extra: object = {}) => ({ tls: { cert: pair.cert, key: pair.key, ...extra } });
const one = () => requestOf(rowsOf([1]));

/** A certificate problem: records stay queued, the endpoint backs off, the key starts with tls:. */
function assertConfigFailure(out: SinkOutcome, disposition: RegExp): void {
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'config');
  assert.equal(out.signal, 'unreachable');
  assert.match(out.failureKey, /^tls:/);
  assert.match(out.disposition ?? '', disposition);
}

test('ca_file makes a private CA trusted: the request arrives over https', () =>
  withSink({ receiver: serve(pki.server), caFile: pki.caFile }, async ({ rx, sink }) => {
    const out = await sink.send(one());
    assert.equal(out.verdict, 'delivered');
    assert.equal(rx.requests.length, 1);
    assert.equal(rx.requests[0]!.tls?.authorized, false, 'no client certificate was asked for');
  }));

test('without ca_file a private CA is unknown: a config failure that says to set ca_file', () =>
  withSink({ receiver: serve(pki.server) }, async ({ rx, sink }) => {
    const out = await sink.send(one());
    assertConfigFailure(out, /unknown authority: set ca_file to the receiver's CA bundle/);
    assert.equal(rx.requests.length, 0);
  }));

test('a certificate from another CA than ca_file is refused', () =>
  withSink({ receiver: serve(pki.untrustedServer), caFile: pki.caFile }, async ({ sink }) => {
    assertConfigFailure(await sink.send(one()), /unknown authority/);
  }));

test('an expired receiver certificate is a config failure that says it expired', () =>
  withSink({ receiver: serve(pki.expired), caFile: pki.caFile }, async ({ sink }) => {
    const out = await sink.send(one());
    assertConfigFailure(out, /certificate has expired: renew it on the receiver/);
    assert.equal(out.failureKey, 'tls:CERT_HAS_EXPIRED');
  }));

test('a certificate for another name is a config failure that names tls_server_name', () =>
  withSink({ receiver: serve(pki.wrongName), caFile: pki.caFile }, async ({ sink }) => {
    const out = await sink.send(one());
    assertConfigFailure(out, /not for this host name .*127\.0\.0\.1.*set tls_server_name/);
    assert.equal(out.failureKey, 'tls:ERR_TLS_CERT_ALTNAME_INVALID');
  }));

test('tls_server_name is sent as SNI and checked against the certificate', () =>
  withSink({ receiver: serve(pki.wrongName), caFile: pki.caFile, tlsServerName: 'elsewhere.test' }, async ({ rx, sink }) => {
    assert.equal((await sink.send(one())).verdict, 'delivered');
    assert.equal(rx.requests[0]!.tls?.servername, 'elsewhere.test');
  }));

test('tls_server_name wins over the url\'s host name', async () => {
  const rx = await Receiver.start(serve(pki.wrongName));
  const sink = new HttpSink({ url: `https://localhost:${rx.port}/hook`, version: '1', connections: 1, timeoutMs: 5000, logger: silentLogger, caFile: pki.caFile, tlsServerName: 'elsewhere.test' });
  try {
    assert.equal((await sink.send(one())).verdict, 'delivered');
    assert.equal(rx.requests[0]!.tls?.servername, 'elsewhere.test');
  } finally {
    await sink.destroy();
    await rx.close();
  }
});

const mtls = { ca: '', requestCert: true, rejectUnauthorized: true };

test('client_cert and client_key authenticate to a receiver that requires a client certificate', () =>
  withSink({ receiver: serve(pki.server, { ...mtls, ca: pki.ca }), caFile: pki.caFile, clientCert: pki.client.certFile, clientKey: pki.client.keyFile }, async ({ rx, sink }) => {
    assert.equal((await sink.send(one())).verdict, 'delivered');
    assert.equal(rx.requests[0]!.tls?.clientCN, 'client');
    assert.equal(rx.requests[0]!.tls?.authorized, true);
  }));

test('client_key_password decrypts an encrypted client key', () =>
  withSink({ receiver: serve(pki.server, { ...mtls, ca: pki.ca }), caFile: pki.caFile, clientCert: pki.client.certFile, clientKey: pki.clientEncryptedKeyFile, clientKeyPassword: CLIENT_KEY_PASSWORD }, async ({ rx, sink }) => {
    assert.equal((await sink.send(one())).verdict, 'delivered');
    assert.equal(rx.requests[0]!.tls?.clientCN, 'client');
  }));

test('an encrypted client key without its password, or with a wrong one, fails at start naming client_key', () => {
  const url = new URL('https://127.0.0.1:1/');
  const base = { caFile: pki.caFile, clientCert: pki.client.certFile, clientKey: pki.clientEncryptedKeyFile };
  assert.throws(() => tlsConnectOptions(base, url), (e: unknown) => e instanceof UsageError && /client_key .*client-encrypted\.key.*set client_key_password/.test(e.message));
  assert.throws(() => tlsConnectOptions({ ...base, clientKeyPassword: 'wrong' }, url), (e: unknown) => e instanceof UsageError && /cannot decrypt it with client_key_password/.test(e.message) && !e.message.includes('wrong'));
});

test('a client key that is not the certificate\'s fails at start', () => {
  assert.throws(
    () => tlsConnectOptions({ clientCert: pki.client.certFile, clientKey: pki.untrustedClient.keyFile }, new URL('https://h/')),
    (e: unknown) => e instanceof UsageError && /is not the key of client_cert/.test(e.message),
  );
});

test('an OpenSSL receiver that requires a client certificate: a config failure that says to set client_cert', async () => {
  const srv = await opensslServer(pki, ['-CAfile', pki.caFile, '-Verify', '1', '-verify_return_error']);
  const sink = new HttpSink({ url: `https://127.0.0.1:${srv.port}/`, version: '1', connections: 1, timeoutMs: 5000, logger: silentLogger, caFile: pki.caFile });
  try {
    assertConfigFailure(await sink.send(one()), /requires a client certificate: set client_cert and client_key/);
  } finally {
    await sink.destroy();
    srv.stop();
  }
});

for (const version of ['-tls1_3', '-tls1_2']) {
  test(`an OpenSSL receiver that refuses the client certificate (${version.slice(1)}): a config failure that says so`, async () => {
    const srv = await opensslServer(pki, ['-CAfile', pki.caFile, '-Verify', '1', '-verify_return_error', version]);
    const sink = new HttpSink({ url: `https://127.0.0.1:${srv.port}/`, version: '1', connections: 1, timeoutMs: 5000, logger: silentLogger, caFile: pki.caFile, clientCert: pki.untrustedClient.certFile, clientKey: pki.untrustedClient.keyFile });
    try {
      const out = await sink.send(one());
      assertConfigFailure(out, /refused the client certificate: set client_cert and client_key to a certificate it trusts/);
      assert.equal(out.failureKey, 'tls:ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    } finally {
      await sink.destroy();
      srv.stop();
    }
  });
}

test('a Node receiver that requires a client certificate (TLS 1.3 alert after the handshake): the alert is the reason', () =>
  withSink({ receiver: serve(pki.server, { ...mtls, ca: pki.ca }), caFile: pki.caFile }, async ({ sink }) => {
    const out = await sink.send(one());
    assertConfigFailure(out, /requires a client certificate/);
    assert.equal(out.failureKey, 'tls:ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  }));

test('nginx\'s 400 for a refused or missing client certificate is a config failure, not a final answer', async () => {
  const nginxLike = { ...serve(pki.server, { requestCert: true, rejectUnauthorized: false, ca: pki.ca }) };
  await withSink({
    receiver: { ...nginxLike, respond: (r) => (r.tls?.authorized ? {} : { status: 400, body: `<html><head><title>400 ${r.tls?.clientCN ? 'The SSL certificate error' : 'No required SSL certificate was sent'}</title></head></html>` }) },
    caFile: pki.caFile,
  }, async ({ sink }) => {
    const out = await sink.send(one());
    assertConfigFailure(out, /requires a client certificate/);
    assert.equal(out.endpointLevel, 400);
  });
  await withSink({
    receiver: { ...nginxLike, respond: (r) => (r.tls?.authorized ? {} : { status: 400, body: '<html><head><title>400 The SSL certificate error</title></head></html>' }) },
    caFile: pki.caFile, clientCert: pki.untrustedClient.certFile, clientKey: pki.untrustedClient.keyFile,
  }, async ({ sink }) => {
    assertConfigFailure(await sink.send(one()), /refused the client certificate/);
  });
});

test('tls_min_version TLSv1.3 refuses a TLS 1.2-only receiver that is accepted without it', async () => {
  const tls12 = serve(pki.server, { maxVersion: 'TLSv1.2' });
  await withSink({ receiver: tls12, caFile: pki.caFile }, async ({ sink }) => {
    assert.equal((await sink.send(one())).verdict, 'delivered');
  });
  await withSink({ receiver: tls12, caFile: pki.caFile, tlsMinVersion: 'TLSv1.3' }, async ({ sink }) => {
    assertConfigFailure(await sink.send(one()), /share no TLS version: check tls_min_version/);
  });
});

test('tls_insecure_skip_verify accepts an untrusted certificate, warns at start and says so', () =>
  withSink({ receiver: serve(pki.untrustedServer), tlsInsecureSkipVerify: true }, async ({ sink, logs }) => {
    assert.equal((await sink.send(one())).verdict, 'delivered');
    assert.equal(sink.tlsInsecure, true);
    const warn = logs.find((l) => l.level === 'warn' && /verification is OFF/.test(l.msg));
    assert.ok(warn, JSON.stringify(logs));
  }));

test('a secure sink says it is not insecure and does not warn', () =>
  withSink({ receiver: serve(pki.server), caFile: pki.caFile }, async ({ sink, logs }) => {
    assert.equal(sink.tlsInsecure, false);
    assert.equal(logs.filter((l) => l.level === 'warn').length, 0);
  }));

test('an https url on a plain http port: a config failure that says the port does not speak TLS', async () => {
  const rx = await Receiver.start();
  const sink = new HttpSink({ url: rx.url.replace('http:', 'https:'), version: '1', connections: 1, timeoutMs: 5000, logger: silentLogger });
  try {
    assertConfigFailure(await sink.send(one()), /does not speak TLS on this port: use http:\/\//);
  } finally {
    await sink.destroy();
    await rx.close();
  }
});

test('ca_file is added to the default CAs; ca_file_only trusts it alone', () => {
  const url = new URL('https://h/');
  const added = tlsConnectOptions({ caFile: pki.caFile }, url)!;
  const trusted = new Set(added.ca);
  assert.ok(rootCertificates.every((c) => trusted.has(c)), 'Node\'s bundled CAs stay trusted');
  assert.equal(added.ca!.at(-1), pki.ca);
  assert.deepEqual(tlsConnectOptions({ caFile: pki.caFile, caFileOnly: true }, url)!.ca, [pki.ca]);
  assert.equal(tlsConnectOptions({}, url), null, 'nothing set: Node\'s defaults');
});

test('ca_file_only refuses a certificate that only a default CA would vouch for', () =>
  // The receiver's chain is signed by the test CA; with ca_file_only = another CA's bundle the
  // test CA is not trusted even if NODE_EXTRA_CA_CERTS or the store had it.
  withSink({ receiver: serve(pki.server), caFile: pki.otherCaFile, caFileOnly: true }, async ({ sink }) => {
    assertConfigFailure(await sink.send(one()), /unknown authority/);
  }));

test('bad TLS settings fail at start, naming the key and the file', () => {
  const url = new URL('https://h/');
  const empty = join(pki.dir, 'empty.pem');
  writeFileSync(empty, 'not a certificate\n');
  const cases: [object, RegExp][] = [
    [{ caFile: join(pki.dir, 'missing.pem') }, /^ca_file .*missing\.pem: does not exist$/],
    [{ caFile: empty }, /^ca_file .*empty\.pem: holds no PEM certificate/],
    [{ caFileOnly: true }, /ca_file_only needs ca_file/],
    [{ clientKey: pki.client.keyFile }, /client_key needs client_cert/],
    [{ clientCert: pki.client.certFile }, /client_cert .*client\.pem \(set client_key\): holds no PEM private key/],
    [{ tlsMinVersion: 'TLSv1.1' }, /tls_min_version "TLSv1.1" is not TLSv1.2 or TLSv1.3/],
  ];
  for (const [o, re] of cases) assert.throws(() => tlsConnectOptions(o, url), (e: unknown) => e instanceof UsageError && re.test(e.message), JSON.stringify(o));
  assert.throws(() => tlsConnectOptions({ caFile: pki.caFile }, new URL('http://h/')), /ca_file: TLS settings need an https:\/\/ url/);
});
