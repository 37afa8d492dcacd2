// amqps:// with ca_file and a client certificate, against a RabbitMQ TLS listener that requires
// one; a server certificate loghook cannot verify is a configuration problem, not an outage; and
// the other TLS keys of every kind: tls_server_name, tls_insecure_skip_verify, client_key_password.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rabbit } from '../../helpers/rabbitmq.js';
import { encryptedKey, makeTlsFiles, type TlsFiles } from '../../helpers/broker-certs.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { kumoRecord, requestOf, rowOf } from '../../helpers/sink-requests.js';
import { captureLogger, type LogLine } from '../../deliver/harness.js';
import type { AmqpSinkOptions } from '../../../src/sinks/amqp/config.js';
import { AmqpSink } from '../../../src/sinks/amqp/sink.js';

let rmq: Rabbit;
let dir: TempDir;
let tls: TlsFiles;

before(async () => {
  dir = makeTempDir('loghook-amqp-tls-');
  tls = makeTlsFiles(dir.path);
  rmq = await Rabbit.start({ tls, requireClientCert: true });
  const c = await rmq.connect();
  const ch = await c.createChannel();
  await ch.assertQueue('tls-events', { durable: true });
  await c.close();
});

after(async () => {
  await rmq?.stop();
  dir?.cleanup();
});

function sink(o: Partial<AmqpSinkOptions>, logs: LogLine[] = []): AmqpSink {
  // the default exchange routes by queue name
  return new AmqpSink({ url: rmq.url({ tls: true }), exchange: '', routingKey: 'tls-events', version: '9.9.9', logger: captureLogger(logs), timeoutMs: 10_000, connectTimeoutMs: 5000, ...o });
}

async function sendOne(s: AmqpSink, n: number) {
  const out = await s.send(requestOf(rowOf([kumoRecord(n)])));
  await s.close();
  return out;
}

test('amqps with ca_file, client_cert and client_key publishes and is confirmed', async () => {
  const s = sink({ caFile: tls.caFile, clientCert: tls.clientCert, clientKey: tls.clientKey });
  assert.equal((await s.send(requestOf(rowOf([kumoRecord(1)])))).verdict, 'delivered');
  await s.close();
  assert.deepEqual((await rmq.drain('tls-events')).map((m) => JSON.parse(m.content.toString()).n), [1]);
});

test('a server certificate signed by an unknown CA is a configuration problem naming the certificate error', async () => {
  const s = sink({ clientCert: tls.clientCert, clientKey: tls.clientKey });
  const out = await s.send(requestOf(rowOf([kumoRecord(2)])));
  await s.close();
  assert.equal(out.verdict, 'retry');
  assert.equal(out.kind, 'config');
  assert.equal(out.signal, 'unreachable');
  assert.match(out.disposition!, /^connection refused: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY) .*\(check ca_file, client_cert, client_key and the host name\)$/);
});

test('client_cert without client_key (and no key in its file) is refused at start-up, naming both keys', () => {
  assert.throws(() => sink({ caFile: tls.caFile, clientCert: tls.clientCert }), /client_cert .*client\.pem \(set client_key\): holds no PEM private key/);
});

test('tls_server_name is the name the broker\'s certificate is checked against: one it does not carry is refused', async () => {
  const mtls = { caFile: tls.caFile, clientCert: tls.clientCert, clientKey: tls.clientKey };
  // the URL's host is localhost; the certificate says localhost and 127.0.0.1, not broker.example
  const out = await sendOne(sink({ ...mtls, tlsServerName: 'broker.example' }), 10);
  assert.equal(out.kind, 'config');
  assert.match(out.disposition!, /ERR_TLS_CERT_ALTNAME_INVALID|altnames|broker\.example/i);
  const url = rmq.url({ tls: true }).replace('@localhost:', '@127.0.0.1:');
  assert.equal((await sendOne(sink({ ...mtls, url, tlsServerName: 'localhost' }), 11)).verdict, 'delivered');
  assert.deepEqual((await rmq.drain('tls-events')).map((m) => JSON.parse(m.content.toString()).n), [11]);
});

test('tls_insecure_skip_verify publishes to a broker whose CA is unknown, with a warning', async () => {
  const logs: LogLine[] = [];
  assert.equal((await sendOne(sink({ clientCert: tls.clientCert, clientKey: tls.clientKey, tlsInsecureSkipVerify: true }, logs), 12)).verdict, 'delivered');
  assert.ok(logs.some((l) => l.level === 'warn' && /verification is OFF/.test(l.msg)), JSON.stringify(logs));
  assert.deepEqual((await rmq.drain('tls-events')).map((m) => JSON.parse(m.content.toString()).n), [12]);
});

test('client_key_password opens an encrypted client key; a wrong one is refused at start-up naming the key', async () => {
  const key = encryptedKey(dir.path, tls.clientKey, 'key-pass-1');
  const mtls = { caFile: tls.caFile, clientCert: tls.clientCert, clientKey: key };
  assert.equal((await sendOne(sink({ ...mtls, clientKeyPassword: 'key-pass-1' }), 13)).verdict, 'delivered');
  assert.throws(() => sink({ ...mtls, clientKeyPassword: 'wrong' }), /client_key .*client-encrypted\.key: cannot decrypt it with client_key_password/);
  assert.deepEqual((await rmq.drain('tls-events')).map((m) => JSON.parse(m.content.toString()).n), [13]);
});

test('TLS keys with an amqp:// url are refused at start-up', () => {
  assert.throws(() => sink({ url: rmq.url(), caFile: tls.caFile }), /TLS keys .* need an amqps:\/\/ url/);
});
