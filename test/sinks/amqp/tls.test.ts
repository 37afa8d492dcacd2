// amqps:// with ca_file and a client certificate, against a RabbitMQ TLS listener that requires
// one; a server certificate loghook cannot verify is a configuration problem, not an outage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rabbit } from '../../helpers/rabbitmq.js';
import { makeTlsFiles, type TlsFiles } from '../../helpers/broker-certs.js';
import { makeTempDir, type TempDir } from '../../helpers/tmp.js';
import { kumoRecord, requestOf, rowOf } from '../../helpers/sink-requests.js';
import { captureLogger } from '../../deliver/harness.js';
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

function sink(o: { caFile?: string; clientCert?: string; clientKey?: string }): AmqpSink {
  // the default exchange routes by queue name
  return new AmqpSink({ url: rmq.url({ tls: true }), exchange: '', routingKey: 'tls-events', version: '9.9.9', logger: captureLogger([]), timeoutMs: 10_000, connectTimeoutMs: 5000, ...o });
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
