// A second process for the lock, crash and requeue tests: node spool-child.js <mode> <stateDir>.
// It reports on stdout, one JSON line per event, so the parent can react to each step.
// SPOOL_CHILD_KILL_AFTER_APPEND=k: SIGKILL itself right after the k-th body append is fdatasynced,
// before the transaction that would reference those bytes.
import type { BodyStoreOptions } from '../../../src/spool/body-store.js';
import type { RecordResult } from '../../../src/spool/types.js';
import { DeadLetterStore } from '../../../src/spool/dead-letter-store.js';
import { Spool } from '../../../src/spool/spool.js';
import { LoghookError } from '../../../src/util/errors.js';
import { chunk } from '../support.js';

const [mode, stateDir] = process.argv.slice(2) as [string, string];
const say = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);

const killAfter = Number(process.env.SPOOL_CHILD_KILL_AFTER_APPEND ?? 0);
const bodyStore: BodyStoreOptions = {};
if (killAfter > 0) {
  let appends = 0;
  bodyStore.afterAppend = () => {
    if (++appends < killAfter) return;
    process.kill(process.pid, 'SIGKILL');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // never returns to commit
  };
}

function errorReport(err: unknown): object {
  return err instanceof LoghookError
    ? { error: err.name, code: err.code, message: err.message }
    : { error: 'unexpected', message: String(err) };
}

switch (mode) {
  // Take the state dir and keep it until killed.
  case 'hold': {
    Spool.open({ stateDir });
    say({ holding: process.pid });
    setInterval(() => {}, 60_000);
    break;
  }
  // Open the state dir and SIGKILL itself the moment it holds the lock (a tail killed during its
  // very first start).
  case 'die-after-lock': {
    Spool.open({ stateDir, openHooks: { afterLock: () => process.kill(process.pid, 'SIGKILL') } });
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // the signal comes first
    break;
  }
  // Try to take the state dir once and report what happened.
  case 'open': {
    try {
      Spool.open({ stateDir }).close();
      say({ opened: true });
    } catch (err) {
      say(errorReport(err));
    }
    break;
  }
  // Commit chunk N with checkpoint N, forever; every third chunk is taken and acked, the ack
  // riding along with the next commit. Chunk N's single record reads "chunk:N".
  case 'commit-loop': {
    const spool = Spool.open({ stateDir, bodyStore });
    let n = Number(spool.loadCheckpoints().get('s1') ?? 0);
    say({ from: n + 1 });
    for (;;) {
      n += 1;
      spool.commit([chunk(1, { tag: 'chunk', firstLine: n, size: 200 })], new Map([['s1', String(n)]]));
      if (n % 3 === 0) {
        // Claims everything due (earlier runs' rows too) but acks only chunk N.
        const mine = spool.takeDue(1_000_000, Date.now()).filter((m) => m.lines[0] === n);
        spool.ack(mine.map((m) => m.rowId));
      }
    }
  }
  // Body files of 2 KB, compaction 300 bytes a step: commit 5 records of 100 bytes at a time (lines
  // from the checkpoint on), then settle what is due: a record whose line is a multiple of 4 fails
  // its first 6 attempts (each retry due 30 ms later), the others are delivered; each delivered record is reported, {"d":[line,
  // text]}, before the commit that writes its ack (at-least-once: a kill may send it again).
  case 'retry-loop': {
    const spool = Spool.open({ stateDir, bodyStore: { ...bodyStore, rotateBytes: 2000 }, compaction: { stepBytes: 300 } });
    let n = Number(spool.loadCheckpoints().get('s1') ?? 0);
    say({ from: n });
    for (;;) {
      spool.commit([chunk(5, { tag: 'rec', firstLine: n, size: 100 })], new Map([['s1', String(n + 5)]]));
      n += 5;
      for (const m of spool.takeDue(20, Date.now())) {
        const results = Array.from(m.lines, (line, i): RecordResult => {
          if (line % 4 === 0 && m.attempts < 6) return { kind: 'retry', dueAt: Date.now() + 30, disposition: 'HTTP 503' };
          const start = m.starts ? m.starts[i]! : i === 0 ? 0 : m.ends[i - 1]!;
          say({ d: [line, m.segmentKey, m.body.subarray(start, m.ends[i]).toString()] });
          return { kind: 'delivered' };
        });
        spool.settle(m, results, Date.now());
      }
    }
  }
  // Requeue every dead letter from this separate process.
  case 'requeue': {
    const store = DeadLetterStore.open({ stateDir });
    say({ requeued: store.requeue({ all: true }) });
    store.close();
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
