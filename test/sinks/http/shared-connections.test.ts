import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpSink } from '../../../src/sinks/http/sink.js';
import { SharedConnections } from '../../../src/sinks/http/client.js';
import { BodyPool } from '../../../src/deliver/body-pool.js';
import { silentLogger } from '../../../src/telemetry/logger.js';
import { kumoRecord, requestOf, rowOf } from '../../helpers/sink-requests.js';

/** A receiver counting the connections it was opened and the requests per path. */
async function receiver(): Promise<{ url: string; server: Server; sockets: () => number; paths: Map<string, number> }> {
  const paths = new Map<string, number>();
  let sockets = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      paths.set(req.url!, (paths.get(req.url!) ?? 0) + 1);
      res.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  server.on('connection', () => sockets++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sockets: () => sockets, paths };
}

test('a hook\'s endpoints on one host share its connections: 40 tenant URLs, 2 connections', async () => {
  const rx = await receiver();
  const shared = new SharedConnections();
  const bodyPool = new BodyPool(4);
  const sinks = Array.from({ length: 40 }, (_, i) => new HttpSink({ url: `${rx.url}/t/${i}`, version: 't', connections: 2, timeoutMs: 5000, logger: silentLogger, shared, bodyPool }));
  try {
    for (let round = 0; round < 3; round++) {
      const outcomes = await Promise.all(sinks.map((s, i) => s.send(requestOf(rowOf([kumoRecord(round * 100 + i), kumoRecord(round * 100 + i + 50)])))));
      assert.ok(outcomes.every((o) => o.verdict === 'delivered'), 'every request delivered');
    }
    assert.equal(rx.paths.size, 40);
    assert.ok([...rx.paths.values()].every((n) => n === 3), 'each tenant path got its three requests');
    assert.ok(rx.sockets() <= 2, `connections opened: ${rx.sockets()} (one pool of 2 for the origin)`);
    assert.equal(shared.size, 1);
  } finally {
    await Promise.all(sinks.map((s) => s.close()));
    rx.server.close();
  }
  assert.equal(shared.size, 0, 'the pool closes with its last endpoint');
});

test('without a shared pool every endpoint opens its own connection', async () => {
  const rx = await receiver();
  const sinks = Array.from({ length: 5 }, (_, i) => new HttpSink({ url: `${rx.url}/t/${i}`, version: 't', connections: 2, timeoutMs: 5000, logger: silentLogger }));
  try {
    await Promise.all(sinks.map((s, i) => s.send(requestOf(rowOf([kumoRecord(i)])))));
    assert.equal(rx.sockets(), 5, 'the contrast the shared pool is for');
  } finally {
    await Promise.all(sinks.map((s) => s.close()));
    rx.server.close();
  }
});
