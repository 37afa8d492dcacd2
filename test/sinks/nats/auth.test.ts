// NATS authentication and TLS: token, user/password, nkey, a creds file (operator/account/user JWTs), TLS with ca_file and a client
// certificate, each against a nats-server configured to require it; wrong credentials are a
// configuration problem whose message never carries the secret. And the server SIGKILLed in the
// middle of a run: the library reconnects, the records get through once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createUser } from '@nats-io/nkeys';
import { NatsServer } from '../../helpers/nats.js';
import { encryptedKey, makeTlsFiles } from '../../helpers/broker-certs.js';
import { makeTempDir } from '../../helpers/tmp.js';
import { kumoRecord, requestOf, rowOf } from '../../helpers/sink-requests.js';
import { captureLogger, type LogLine } from '../../deliver/harness.js';
import { waitFor } from '../../helpers/child.js';
import { deliverAll } from '../../helpers/broker-run.js';
import { NatsSink } from '../../../src/sinks/nats/sink.js';
import type { NatsSinkOptions } from '../../../src/sinks/nats/config.js';
import { credsAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { natsOperatorSetup } from '../../helpers/nats-jwt.js';

async function withServer(config: string | undefined, auth: ConnectionOptions, fn: (srv: NatsServer) => Promise<void>, more: Partial<Parameters<typeof NatsServer.start>[0]> = {}): Promise<void> {
  const srv = await NatsServer.start({ ...(config ? { config } : {}), ...more });
  try {
    await srv.addStream({ name: 'EV', subjects: ['ev.>'] }, auth);
    await fn(srv);
  } finally {
    await srv.stop();
  }
}

function sink(srv: NatsServer, o: Partial<NatsSinkOptions>, logs: LogLine[] = []): NatsSink {
  return new NatsSink({ servers: [srv.url], subject: 'ev.x', version: '9.9.9', logger: captureLogger(logs), timeoutMs: 5000, connectTimeoutMs: 3000, ...o });
}

async function sendOne(s: NatsSink) {
  const out = await s.send(requestOf(rowOf([kumoRecord(1)])));
  await s.close();
  return out;
}

test('token auth: the right token publishes; a wrong one is a configuration problem that does not show the token', async () => {
  await withServer('authorization { token: "right-token-123" }', { token: 'right-token-123' }, async (srv) => {
    assert.equal((await sendOne(sink(srv, { token: 'right-token-123' }))).verdict, 'delivered');
    const logs: LogLine[] = [];
    const out = await sendOne(sink(srv, { token: 'wrong-token-456' }, logs));
    assert.equal(out.verdict, 'retry');
    assert.equal(out.kind, 'config');
    assert.equal(out.signal, 'unreachable');
    assert.match(out.disposition!, /^connection refused: Authorization Violation \(check token, user\/password, nkey_seed or creds_file\)$/);
    assert.ok(!JSON.stringify([out, logs]).includes('wrong-token-456'));
  });
});

test('user and password auth: the right pair publishes, a wrong password is refused without being shown', async () => {
  await withServer('authorization { users: [ { user: "kumo", password: "pw-right" } ] }', { user: 'kumo', pass: 'pw-right' }, async (srv) => {
    assert.equal((await sendOne(sink(srv, { user: 'kumo', password: 'pw-right' }))).verdict, 'delivered');
    const out = await sendOne(sink(srv, { user: 'kumo', password: 'pw-wrong' }));
    assert.equal(out.kind, 'config');
    assert.ok(!out.disposition!.includes('pw-wrong'));
  });
});

test('nkey auth: the user\'s seed publishes, another seed is refused', async () => {
  const user = createUser();
  const seed = new TextDecoder().decode(user.getSeed());
  const other = new TextDecoder().decode(createUser().getSeed());
  const { nkeyAuthenticator } = await import('@nats-io/transport-node');
  await withServer(`authorization { users: [ { nkey: ${user.getPublicKey()} } ] }`, { authenticator: nkeyAuthenticator(user.getSeed()) }, async (srv) => {
    assert.equal((await sendOne(sink(srv, { nkeySeed: seed }))).verdict, 'delivered');
    const out = await sendOne(sink(srv, { nkeySeed: other }));
    assert.equal(out.kind, 'config');
    assert.ok(!out.disposition!.includes(other));
  });
});

test('creds_file: a user JWT and seed issued under an operator the server trusts publishes; another account\'s user is refused', async () => {
  const auth = natsOperatorSetup();
  const stranger = natsOperatorSetup(); // a user of an account this server does not know
  const dir = makeTempDir('loghook-nats-creds-');
  try {
    const creds = join(dir.path, 'loghook.creds');
    const other = join(dir.path, 'other.creds');
    writeFileSync(creds, auth.creds, { mode: 0o600 });
    writeFileSync(other, stranger.creds, { mode: 0o600 });
    await withServer(auth.serverConfig, { authenticator: credsAuthenticator(new TextEncoder().encode(auth.creds)) }, async (srv) => {
      assert.equal((await sendOne(sink(srv, { credsFile: creds }))).verdict, 'delivered');
      const got = await srv.messages('EV', { authenticator: credsAuthenticator(new TextEncoder().encode(auth.creds)) });
      assert.deepEqual(got.map((m) => JSON.parse(m.data.toString()).n), [1]);
      const logs: LogLine[] = [];
      const out = await sendOne(sink(srv, { credsFile: other }, logs));
      assert.equal(out.verdict, 'retry');
      assert.equal(out.kind, 'config');
      assert.match(out.disposition!, /^connection refused: .*Authorization Violation.* \(check token, user\/password, nkey_seed or creds_file\)$/);
      const seed = stranger.creds.split('\n').find((l) => l.startsWith('SU'))!;
      assert.ok(!JSON.stringify([out, logs]).includes(seed), 'the seed is never shown');
    });
  } finally {
    dir.cleanup();
  }
});

test('creds_file that cannot be read is refused at start-up, naming the key and the file', () => {
  assert.throws(() => new NatsSink({ servers: ['nats://127.0.0.1:1'], subject: 'x', credsFile: '/nonexistent/loghook.creds', version: '9', logger: captureLogger([]) }), /creds_file \/nonexistent\/loghook.creds: cannot read it/);
});

test('TLS with ca_file and a client certificate publishes; without the CA the certificate error is a configuration problem', async () => {
  const dir = makeTempDir('loghook-nats-tls-');
  try {
    const tls = makeTlsFiles(dir.path);
    const clientTls = { tls: { caFile: tls.caFile, certFile: tls.clientCert, keyFile: tls.clientKey } };
    await withServer(undefined, clientTls, async (srv) => {
      assert.equal((await sendOne(sink(srv, { caFile: tls.caFile, clientCert: tls.clientCert, clientKey: tls.clientKey }))).verdict, 'delivered');
      const out = await sendOne(sink(srv, { clientCert: tls.clientCert, clientKey: tls.clientKey }));
      assert.equal(out.verdict, 'retry');
      assert.equal(out.kind, 'config');
      assert.match(out.disposition!, /certificate/i);
    }, { tls, verifyClients: true });
  } finally {
    dir.cleanup();
  }
});

test('tls_server_name, tls_insecure_skip_verify and client_key_password reach the TLS connection', async () => {
  const dir = makeTempDir('loghook-nats-tlskeys-');
  try {
    const tls = makeTlsFiles(dir.path);
    const key = encryptedKey(dir.path, tls.clientKey, 'nats-key-pass');
    const clientTls = { tls: { caFile: tls.caFile, certFile: tls.clientCert, keyFile: tls.clientKey } };
    await withServer(undefined, clientTls, async (srv) => {
      const mtls = { caFile: tls.caFile, clientCert: tls.clientCert, clientKey: key, clientKeyPassword: 'nats-key-pass' };
      assert.equal((await sendOne(sink(srv, mtls))).verdict, 'delivered', 'the encrypted key opens with its password');
      assert.throws(() => sink(srv, { ...mtls, clientKeyPassword: 'wrong' }), /client_key .*client-encrypted\.key: cannot decrypt it with client_key_password/);
      const wrongName = await sendOne(sink(srv, { ...mtls, tlsServerName: 'broker.example' }));
      assert.equal(wrongName.kind, 'config');
      assert.match(wrongName.disposition!, /altname|broker\.example|certificate/i);
      const logs: LogLine[] = [];
      assert.equal((await sendOne(sink(srv, { clientCert: tls.clientCert, clientKey: tls.clientKey, tlsInsecureSkipVerify: true }, logs))).verdict, 'delivered', 'no CA, verification off');
      assert.ok(logs.some((l) => l.level === 'warn' && /verification is OFF/.test(l.msg)));
      assert.equal((await srv.messages('EV', clientTls)).length, 2);
    }, { tls, verifyClients: true });
  } finally {
    dir.cleanup();
  }
});

test('the server SIGKILLed mid-run and restarted: the client reconnects and every record is in the stream once', { timeout: 90_000 }, async () => {
  await withServer(undefined, {}, async (srv) => {
    const logs: LogLine[] = [];
    const total = 2000;
    const lines = Array.from({ length: total }, (_, i) => JSON.stringify(kumoRecord(i)) + '\n');
    const r = await deliverAll(sink(srv, {}, logs), lines, {
      during: async (d) => {
        await waitFor(() => d.stats().delivered >= 300, { timeoutMs: 30_000, what: '300 delivered' });
        await srv.kill();
        await sleep(500);
        await srv.restart();
      },
    });
    assert.deepEqual(r.dead, []);
    const got = await srv.messages('EV');
    assert.equal(new Set(got.map((m) => m.msgId)).size, total);
    assert.equal(got.length, total);
    assert.ok(logs.some((l) => l.msg.startsWith('lost the NATS connection')));
  });
});
