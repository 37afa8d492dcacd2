// A private RabbitMQ node for one test file: its own node name, ports, Erlang port mapper, cookie
// and data in a temp dir, never the system service. Started from the package's own
// rabbitmq-server script (not /usr/sbin's wrapper, which switches to the rabbitmq user and reads
// /var/lib/rabbitmq), so the node runs as the test's user with HOME in the temp dir, where the
// cookie that rabbitmqctl needs lives. Boot takes several seconds: one broker per test file.
//
//   const rmq = await Rabbit.start({ maxMessageSize: 4096 });
//   rmq.url()  -> amqp://loghook:<password>@127.0.0.1:<port>/
//   await rmq.kill(); await rmq.restart(); await rmq.ctl('set_vm_memory_high_watermark', '0.0000001');
//   await rmq.stop();
//   const rmq = forTestFile(new Rabbit());   // one node for a test file
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import amqp, { type ChannelModel, type GetMessage } from 'amqplib';
import { PrivateBroker } from './broker-server.js';
import { freePort, listening, startServer, waitReady, type ServerProcess } from './broker-process.js';
import type { TlsFiles } from './broker-certs.js';

const SBIN = process.env.LOGHOOK_TEST_RABBITMQ_SBIN ?? findSbin();
const START_TIMEOUT_MS = 90_000;

function findSbin(): string {
  for (const dir of ['/usr/lib/rabbitmq/bin', '/usr/local/lib/rabbitmq/bin']) {
    // /usr/lib/rabbitmq/bin holds links into lib/rabbitmq_server-<version>/sbin
    if (existsSync(join(dir, 'rabbitmq-server'))) return dir;
  }
  return '/usr/lib/rabbitmq/bin';
}

export interface RabbitOptions {
  /** rabbitmq.conf `max_message_size` in bytes */
  maxMessageSize?: number;
  /** also listen for amqps:// with these files (the client certificate is verified if sent) */
  tls?: TlsFiles;
  /** require a client certificate on the TLS listener */
  requireClientCert?: boolean;
}

export class Rabbit extends PrivateBroker {
  readonly user = 'loghook';
  readonly password = 'pw-' + Math.random().toString(36).slice(2);
  private ports = { port: 0, tlsPort: 0, distPort: 0, epmdPort: 0 };
  private epmd: ServerProcess | null = null;
  private env: NodeJS.ProcessEnv = {};

  /** A node to launch(), or to give to forTestFile(). */
  constructor(private readonly opts: RabbitOptions = {}) {
    super('loghook-rabbitmq-');
  }

  static start(opts: RabbitOptions = {}): Promise<Rabbit> {
    return new Rabbit(opts).launch();
  }

  /** the AMQP port (0 until launched) */
  get port(): number {
    return this.ports.port;
  }

  /** the amqps port, listening when started with `tls` (0 until launched) */
  get tlsPort(): number {
    return this.ports.tlsPort;
  }

  get node(): string {
    return `lh${this.port}@localhost`;
  }

  /** amqp://user:password@127.0.0.1:port/vhost (the default vhost `/` when none). */
  url(o: { user?: string; password?: string; vhost?: string; tls?: boolean } = {}): string {
    const auth = `${encodeURIComponent(o.user ?? this.user)}:${encodeURIComponent(o.password ?? this.password)}`;
    const scheme = o.tls ? 'amqps' : 'amqp';
    const host = o.tls ? 'localhost' : '127.0.0.1';
    return `${scheme}://${auth}@${host}:${o.tls ? this.tlsPort : this.port}/${o.vhost === undefined ? '' : encodeURIComponent(o.vhost)}`;
  }

  /** A connection for the test's own set-up and checks (queues, bindings, consuming). */
  connect(): Promise<ChannelModel> {
    return amqp.connect(this.url());
  }

  /** Every message now in `queue`, taken off it (basic.get, acked). */
  async drain(queue: string): Promise<GetMessage[]> {
    const c = await this.connect();
    try {
      const ch = await c.createChannel();
      const out: GetMessage[] = [];
      for (;;) {
        const m = await ch.get(queue, { noAck: true });
        if (m === false) break;
        out.push(m);
      }
      return out;
    } finally {
      await c.close();
    }
  }

  /** A durable topic exchange with durable queues bound to it, through a connection of its own. */
  async declare(exchange: string, queues: readonly { queue: string; pattern: string; args?: Record<string, unknown> }[]): Promise<void> {
    const c = await this.connect();
    try {
      const ch = await c.createChannel();
      await ch.assertExchange(exchange, 'topic', { durable: true });
      for (const q of queues) {
        await ch.assertQueue(q.queue, { durable: true, ...(q.args ? { arguments: q.args } : {}) });
        await ch.bindQueue(q.queue, exchange, q.pattern);
      }
    } finally {
      await c.close();
    }
  }

  /** rabbitmqctl -n <node> ...args; rejects with its output when it fails. */
  ctl(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(join(SBIN, 'rabbitmqctl'), ['-n', this.node, ...args], { env: this.env, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`rabbitmqctl ${args.join(' ')} failed: ${stderr || stdout || err.message}`));
        else resolve(stdout);
      });
    });
  }

  /** Kills the node and its port mapper and removes the temp dir. */
  override async stop(): Promise<void> {
    await this.kill();
    if (this.epmd) {
      this.epmd.signal('SIGKILL');
      await this.epmd.exited;
      this.epmd = null;
    }
    await super.stop();
  }

  /** the group leader is the start script: beam.smp may outlive it by a moment */
  protected override async gone(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await listening(this.port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  protected async prepare(): Promise<void> {
    this.ports = { port: await freePort(), tlsPort: await freePort(), distPort: await freePort(), epmdPort: await freePort() };
    const d = this.dir;
    this.env = {
      ...process.env,
      HOME: join(d, 'home'),
      RABBITMQ_NODENAME: this.node,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.ports.distPort),
      ERL_EPMD_PORT: String(this.ports.epmdPort),
      RABBITMQ_MNESIA_BASE: join(d, 'mnesia'),
      RABBITMQ_LOG_BASE: join(d, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(d, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(d, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(d, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: join(d, 'rabbitmq-env.conf'),
      RABBITMQ_PID_FILE: join(d, 'rabbit.pid'),
    };
    this.writeFiles();
  }

  private writeFiles(): void {
    const d = this.dir;
    for (const sub of ['home', 'mnesia', 'log']) mkdirSync(join(d, sub), { recursive: true });
    const cookie = join(d, 'home', '.erlang.cookie');
    writeFileSync(cookie, 'LOGHOOKTEST' + Math.random().toString(36).slice(2).toUpperCase());
    chmodSync(cookie, 0o400);
    writeFileSync(join(d, 'enabled_plugins'), '[].\n');
    writeFileSync(join(d, 'advanced.config'), '[].\n');
    writeFileSync(join(d, 'rabbitmq-env.conf'), '');
    const conf = [
      `listeners.tcp.default = 127.0.0.1:${this.port}`,
      `default_user = ${this.user}`,
      `default_pass = ${this.password}`,
      'log.console = false',
      'log.file.level = warning',
      // a small machine shared by many tests: no alarm unless a test asks for one
      'disk_free_limit.absolute = 1MB',
    ];
    if (this.opts.maxMessageSize !== undefined) conf.push(`max_message_size = ${this.opts.maxMessageSize}`);
    const tls = this.opts.tls;
    if (tls) {
      conf.push(
        `listeners.ssl.default = 127.0.0.1:${this.tlsPort}`,
        `ssl_options.cacertfile = ${tls.caFile}`,
        `ssl_options.certfile = ${tls.serverCert}`,
        `ssl_options.keyfile = ${tls.serverKey}`,
        'ssl_options.verify = verify_peer',
        `ssl_options.fail_if_no_peer_cert = ${this.opts.requireClientCert ? 'true' : 'false'}`,
      );
    }
    writeFileSync(join(d, 'rabbitmq.conf'), conf.join('\n') + '\n');
  }

  protected async boot(): Promise<void> {
    const d = this.dir;
    if (!this.epmd) {
      this.epmd = startServer('epmd', ['-port', String(this.ports.epmdPort)], { env: this.env, logFile: join(d, 'epmd.out') });
      await waitReady(this.epmd, () => listening(this.ports.epmdPort), 'epmd', 10_000, () => this.epmd!.tail());
    }
    const server = startServer(join(SBIN, 'rabbitmq-server'), [], { env: this.env, cwd: d, logFile: join(d, 'server.out') });
    this.server = server;
    const why = () => `${server.tail()}\n(log dir ${join(d, 'log')})`;
    await waitReady(server, async () => (await listening(this.port)) && (await this.canConnect()), `rabbitmq-server ${this.node}`, START_TIMEOUT_MS, why);
  }

  private async canConnect(): Promise<boolean> {
    try {
      const c = await amqp.connect(this.url());
      await c.close();
      return true;
    } catch {
      return false;
    }
  }
}
