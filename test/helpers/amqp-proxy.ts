// A TCP proxy in front of a real RabbitMQ that can swallow the client's channel.open frames: the
// broker never hears them and so never answers, while the connection stays alive (heartbeats and
// everything else pass). What a broker that accepts a connection and then stops answering looks
// like to loghook.
//   const p = await AmqpProxy.start(rmq.port); p.swallowChannelOpen = true; ... p.url(user, pass)
import net from 'node:net';

const PROTOCOL_HEADER = 8;
const CHANNEL_CLASS = 20;
const CHANNEL_OPEN = 10;

export class AmqpProxy {
  swallowChannelOpen = false;
  /** channel.open frames swallowed so far */
  swallowed = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server, readonly port: number) {}

  static async start(targetPort: number): Promise<AmqpProxy> {
    let proxy: AmqpProxy;
    const server = net.createServer((client) => proxy.pipe(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new AmqpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private pipe(client: net.Socket, targetPort: number): void {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (b: Buffer) => client.write(b));
    let pending = Buffer.alloc(0);
    let headerLeft = PROTOCOL_HEADER;
    client.on('data', (b: Buffer) => {
      pending = Buffer.concat([pending, b]);
      if (headerLeft > 0) {
        const n = Math.min(headerLeft, pending.length);
        upstream.write(pending.subarray(0, n));
        pending = pending.subarray(n);
        headerLeft -= n;
      }
      // whole frames: type(1) channel(2) size(4) payload(size) frame-end(1)
      while (pending.length >= 7 && pending.length >= 8 + pending.readUInt32BE(3)) {
        const size = pending.readUInt32BE(3);
        const frame = pending.subarray(0, 8 + size);
        pending = pending.subarray(8 + size);
        const isChannelOpen = frame[0] === 1 && size >= 4 && frame.readUInt16BE(7) === CHANNEL_CLASS && frame.readUInt16BE(9) === CHANNEL_OPEN;
        if (isChannelOpen && this.swallowChannelOpen) this.swallowed++;
        else upstream.write(frame);
      }
    });
  }
}
