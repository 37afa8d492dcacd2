// A private nats-server with JetStream for one test file: its own port and store dir in a temp
// dir, a config file for the limits, auth and TLS a test asks for. Starts in well under a second.
//
//   const srv = await NatsServer.start({ maxPayload: 4096, config: 'authorization { token: "t" }' });
//   srv.url -> nats://127.0.0.1:<port>
//   await srv.kill(); await srv.restart(); await srv.stop();
//   const srv = forTestFile(new NatsServer({ maxPayload: 4096 }));   // one server for a test file
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { PrivateBroker } from './broker-server.js';
import { freePort, listening, startServer, waitReady } from './broker-process.js';
import type { TlsFiles } from './broker-certs.js';

const BIN = process.env.LOGHOOK_TEST_NATS_SERVER ?? 'nats-server';

export interface NatsOptions {
  /** max_payload in bytes (the server's default is 1 MiB) */
  maxPayload?: number;
  /** more lines of nats-server configuration (authorization { ... }, accounts, ...) */
  config?: string;
  /** TLS on the client port; the client certificate is verified when `verifyClients` */
  tls?: TlsFiles;
  verifyClients?: boolean;
}

export class NatsServer extends PrivateBroker {
  private clientPort = 0;
  private boots = 0;

  /** A server to launch(), or to give to forTestFile(). */
  constructor(private readonly opts: NatsOptions = {}) {
    super('loghook-nats-');
  }

  static start(opts: NatsOptions = {}): Promise<NatsServer> {
    return new NatsServer(opts).launch();
  }

  /** 0 until launched */
  get port(): number {
    return this.clientPort;
  }

  get url(): string {
    return `${this.opts.tls ? 'tls' : 'nats'}://${this.opts.tls ? 'localhost' : '127.0.0.1'}:${this.port}`;
  }

  /** A connection for the test's own set-up and checks. */
  connect(more: ConnectionOptions = {}): Promise<NatsConnection> {
    return connect({ servers: [this.url], ...more });
  }

  /** Creates (or updates) a stream through a connection of its own. */
  async addStream(config: Partial<StreamConfig> & { name: string; subjects: string[] }, more: ConnectionOptions = {}): Promise<void> {
    await this.withJsm(more, (jsm) => jsm.streams.add(config).then(() => undefined));
  }

  async withJsm<T>(more: ConnectionOptions, fn: (jsm: JetStreamManager, nc: NatsConnection) => Promise<T>): Promise<T> {
    const nc = await this.connect(more);
    try {
      return await fn(await jetstreamManager(nc), nc);
    } finally {
      await nc.close();
    }
  }

  /** Every message of a stream, oldest first, as its data and Nats-Msg-Id header. */
  async messages(stream: string, more: ConnectionOptions = {}): Promise<{ seq: number; subject: string; data: Buffer; msgId: string | undefined; headers: Record<string, string> }[]> {
    return this.withJsm(more, async (jsm) => {
      const info = await jsm.streams.info(stream);
      const out = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        let m;
        try {
          m = await jsm.streams.getMessage(stream, { seq });
        } catch {
          continue; // deleted
        }
        if (!m) continue;
        const headers: Record<string, string> = {};
        for (const [k, v] of m.header ?? []) headers[k] = v.join(',');
        out.push({ seq: m.seq, subject: m.subject, data: Buffer.from(m.data), msgId: m.header?.get('Nats-Msg-Id') || undefined, headers });
      }
      return out;
    });
  }

  protected async prepare(): Promise<void> {
    this.clientPort = await freePort();
    const d = this.dir;
    mkdirSync(join(d, 'js'), { recursive: true });
    const lines = [
      `listen: 127.0.0.1:${this.port}`,
      `jetstream { store_dir: ${JSON.stringify(join(d, 'js'))} }`,
    ];
    if (this.opts.maxPayload !== undefined) lines.push(`max_payload: ${this.opts.maxPayload}`);
    const tls = this.opts.tls;
    if (tls) {
      lines.push(`tls { cert_file: ${JSON.stringify(tls.serverCert)}, key_file: ${JSON.stringify(tls.serverKey)}, ca_file: ${JSON.stringify(tls.caFile)}, verify: ${this.opts.verifyClients ? 'true' : 'false'} }`);
    }
    if (this.opts.config) lines.push(this.opts.config);
    writeFileSync(join(d, 'nats.conf'), lines.join('\n') + '\n');
  }

  protected async boot(): Promise<void> {
    const d = this.dir;
    const server = startServer(BIN, ['-c', join(d, 'nats.conf')], { logFile: join(d, `server-${++this.boots}.out`) });
    this.server = server;
    await waitReady(
      server,
      async () => server.tail(100_000).includes('Server is ready') && (await listening(this.port)),
      `nats-server on port ${this.port}`,
      30_000,
      () => server.tail(),
    );
  }
}
