// Proxies: a real forward proxy (the `proxy` package) for a configured `proxy` URL with
// credentials, and a CONNECT proxy of our own (node:http) that sends every tunnel to the local
// receiver, so that environment proxies can be tested with a host name that only it can reach.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { createProxy } from 'proxy';
import { HttpSink } from '../../../src/sinks/http/sink.js';
import { UsageError } from '../../../src/util/errors.js';
import { captureLogger, type LogLine } from '../../deliver/harness.js';
import { Receiver } from '../../helpers/receiver.js';
import { makePki, type TestPki } from './certs.js';
import { requestOf, rowsOf } from './support.js';

let pki: TestPki;
before(() => (pki = makePki()));
after(() => pki.cleanup());

interface Proxy {
  url: string;
  /** CONNECT targets asked for, in order */
  tunnels: string[];
  close(): Promise<void>;
}

const listen = (srv: Server) => new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as AddressInfo).port)));
const closeAll = (srv: Server, sockets: Set<Socket>) => new Promise<void>((r) => {
  for (const s of sockets) s.destroy();
  srv.close(() => r());
});

/** The `proxy` package, asking for user:pass when `auth` is set. */
async function realProxy(auth?: string): Promise<Proxy> {
  const srv = createProxy(createServer());
  if (auth) srv.authenticate = (req) => req.headers['proxy-authorization'] === 'Basic ' + Buffer.from(auth).toString('base64');
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  srv.on('connection', (s: Socket) => sockets.add(s));
  srv.prependListener('connect', (req) => tunnels.push(String(req.url)));
  const port = await listen(srv);
  return { url: `http://127.0.0.1:${port}`, tunnels, close: () => closeAll(srv, sockets) };
}

/** Opens every CONNECT tunnel to 127.0.0.1:`port`, whatever host was asked for. */
async function redirectingProxy(port: number): Promise<Proxy> {
  const srv = createServer();
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  srv.on('connection', (s: Socket) => sockets.add(s));
  srv.on('connect', (req, client: Socket) => {
    tunnels.push(String(req.url));
    const upstream = netConnect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const own = await listen(srv);
  return { url: `http://127.0.0.1:${own}`, tunnels, close: () => closeAll(srv, sockets) };
}

function sinkTo(url: string, extra: object, logs: LogLine[] = []): HttpSink {
  return new HttpSink({ url, version: '1', connections: 1, timeoutMs: 5000, logger: captureLogger(logs), ...extra });
}

const tlsRx = () => Receiver.start({ tls: { cert: pki.server.cert, key: pki.server.key } });

async function withEnv(vars: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const names = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
  const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  Object.assign(process.env, vars);
  try {
    await fn();
  } finally {
    for (const n of names) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
  }
}

test('proxy: an https request is tunnelled through the proxy, with its credentials, and TLS still verified', async () => {
  const rx = await tlsRx();
  const px = await realProxy('kumo:s3cret');
  const logs: LogLine[] = [];
  const sink = sinkTo(rx.url, { proxy: px.url.replace('://', '://kumo:s3cret@'), caFile: pki.caFile }, logs);
  try {
    assert.equal((await sink.send(requestOf(rowsOf([2])))).verdict, 'delivered');
    assert.deepEqual(px.tunnels, [`127.0.0.1:${rx.port}`]);
    assert.equal(rx.requests.length, 1);
    assert.equal(sink.proxy, px.url + '/');
    assert.ok(!JSON.stringify(logs).includes('s3cret'), 'the proxy password is never logged');
    assert.ok(logs.some((l) => l.msg === 'requests go through a proxy'));
  } finally {
    await sink.destroy();
    await px.close();
    await rx.close();
  }
});

test('proxy: wrong credentials are a config failure that names the proxy credentials, without the password', async () => {
  const rx = await Receiver.start();
  const px = await realProxy('kumo:s3cret');
  const sink = sinkTo(rx.url, { proxy: px.url.replace('://', '://kumo:wrong@') });
  try {
    const out = await sink.send(requestOf(rowsOf([1])));
    assert.equal(out.verdict, 'retry');
    assert.equal(out.kind, 'config');
    assert.equal(out.failureKey, 'proxy:407');
    assert.match(out.disposition!, /407 Proxy Authentication Required: .*check the user and password in proxy/);
    assert.ok(!out.disposition!.includes('wrong'));
    assert.equal(rx.requests.length, 0);
  } finally {
    await sink.destroy();
    await px.close();
    await rx.close();
  }
});

test('HTTPS_PROXY is honoured for an https url', () =>
  withEnv({}, async () => {
    const rx = await tlsRx();
    const px = await redirectingProxy(rx.port);
    process.env.HTTPS_PROXY = px.url;
    // receiver.test resolves nowhere: only the proxy can reach it
    const sink = sinkTo(`https://receiver.test:${rx.port}/hook`, { caFile: pki.caFile });
    try {
      assert.equal((await sink.send(requestOf(rowsOf([1])))).verdict, 'delivered');
      assert.deepEqual(px.tunnels, [`receiver.test:${rx.port}`]);
      assert.equal(rx.requests[0]!.tls?.servername, 'receiver.test');
      assert.match(sink.proxy!, /HTTPS_PROXY/);
    } finally {
      await sink.destroy();
      await px.close();
      await rx.close();
    }
  }));

test('HTTP_PROXY is honoured for an http url', () =>
  withEnv({}, async () => {
    const rx = await Receiver.start();
    const px = await redirectingProxy(rx.port);
    process.env.HTTP_PROXY = px.url;
    const sink = sinkTo(`http://receiver.test:${rx.port}/hook`, {});
    try {
      assert.equal((await sink.send(requestOf(rowsOf([1])))).verdict, 'delivered');
      assert.deepEqual(px.tunnels, [`receiver.test:${rx.port}`]);
    } finally {
      await sink.destroy();
      await px.close();
      await rx.close();
    }
  }));

test('NO_PROXY sends a listed host directly', () =>
  withEnv({}, async () => {
    const rx = await tlsRx();
    const px = await redirectingProxy(rx.port);
    process.env.HTTPS_PROXY = px.url;
    process.env.NO_PROXY = 'example.org,.test';
    const sink = sinkTo(`https://receiver.test:${rx.port}/hook`, { caFile: pki.caFile });
    try {
      const out = await sink.send(requestOf(rowsOf([1])));
      assert.equal(out.verdict, 'retry', 'direct: receiver.test does not resolve');
      assert.match(out.disposition!, /ENOTFOUND|EAI_AGAIN/);
      assert.deepEqual(px.tunnels, []);
    } finally {
      await sink.destroy();
      await px.close();
      await rx.close();
    }
  }));

test('a loopback receiver is never sent through an environment proxy', () =>
  withEnv({}, async () => {
    const rx = await Receiver.start();
    const px = await redirectingProxy(rx.port);
    process.env.HTTP_PROXY = px.url;
    const sink = sinkTo(rx.url, {});
    try {
      assert.equal((await sink.send(requestOf(rowsOf([1])))).verdict, 'delivered');
      assert.deepEqual(px.tunnels, []);
      assert.equal(sink.proxy, null);
    } finally {
      await sink.destroy();
      await px.close();
      await rx.close();
    }
  }));

test('a configured proxy wins over the environment', () =>
  withEnv({}, async () => {
    const rx = await Receiver.start();
    const envProxy = await redirectingProxy(rx.port);
    const configured = await redirectingProxy(rx.port);
    process.env.HTTP_PROXY = envProxy.url;
    const sink = sinkTo(`http://receiver.test:${rx.port}/hook`, { proxy: configured.url });
    try {
      assert.equal((await sink.send(requestOf(rowsOf([1])))).verdict, 'delivered');
      assert.deepEqual(configured.tunnels, [`receiver.test:${rx.port}`]);
      assert.deepEqual(envProxy.tunnels, []);
    } finally {
      await sink.destroy();
      await envProxy.close();
      await configured.close();
      await rx.close();
    }
  }));

test('a bad proxy URL fails at start without echoing it', () => {
  for (const [proxy, re] of [['not a url:pass@', /proxy is not a valid URL/], ['socks4://h:1', /http:\/\/ or https:\/\//], ['http://u:pw@h:1/path', /has no path/]] as const) {
    assert.throws(() => sinkTo('http://h/', { proxy }), (e: unknown) => e instanceof UsageError && re.test(e.message) && !e.message.includes('pw@') && !e.message.includes('pass'), proxy);
  }
});
