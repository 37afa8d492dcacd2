// The life of a private broker for the tests (rabbitmq.ts, nats.ts): a temp dir of its own, its
// ports and files chosen in it, the server booted and waited for, SIGKILLed, restarted on the same
// ports and data, stopped with the dir removed. A broker says what is its own: its ports, its
// files, how it boots and what outlives a kill.
//
//   const srv = forTestFile(new NatsServer());   // started before the file's tests, stopped after
//   const rmq = await Rabbit.start();            // or by hand: ... await rmq.stop();
import { after, before } from 'node:test';
import { makeTempDir, type TempDir } from './tmp.js';
import type { ServerProcess } from './broker-process.js';

export abstract class PrivateBroker {
  protected server: ServerProcess | null = null;
  private tmp: TempDir | null = null;

  protected constructor(private readonly prefix: string) {}

  /** Its temp dir; only once launched. */
  protected get dir(): string {
    if (this.tmp === null) throw new Error(`the broker (${this.prefix}) is not started: launch() it, or use forTestFile()`);
    return this.tmp.path;
  }

  /** Makes the temp dir, the ports and files, and boots; a failed start leaves nothing behind. */
  async launch(): Promise<this> {
    this.tmp = makeTempDir(this.prefix);
    try {
      await this.prepare();
      await this.boot();
    } catch (err) {
      await this.stop();
      throw err;
    }
    return this;
  }

  /** SIGKILLs the server (its whole process group) and waits until it is gone. */
  async kill(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.signal('SIGKILL');
    await s.exited;
    await this.gone();
    this.server = null;
  }

  /** Starts the server again on the same ports and data dir (after kill()). */
  async restart(): Promise<void> {
    await this.kill();
    await this.boot();
  }

  /** Kills the server and removes the temp dir; again, or after a failed start, it does nothing. */
  async stop(): Promise<void> {
    await this.kill();
    this.tmp?.cleanup();
    this.tmp = null;
  }

  /** Chooses the ports and writes the files, in `dir`. */
  protected abstract prepare(): Promise<void>;

  /** Starts `server` and waits until it takes clients. */
  protected abstract boot(): Promise<void>;

  /** After the killed process group has exited: waits for what may outlive it. */
  protected async gone(): Promise<void> {}
}

/** `broker` for one test file: launched before its first test, stopped after its last. */
export function forTestFile<B extends PrivateBroker>(broker: B): B {
  before(async () => {
    await broker.launch();
  });
  after(() => broker.stop());
  return broker;
}
