// Checks `loghook cat` against a log directory kumod (or kumo-sim) wrote: for every segment, the
// output must be exactly `zstd -dc` for finished segments and exactly the complete lines a
// streaming decoder sees for live and crashed ones; `cat DIR` must print the same lines.
//   node dist/bench/verify-dir.js DIR
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { streamDecode } from '../test/helpers/decode.js';
import { BIN } from './data.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: verify-dir DIR\n');
  process.exit(2);
}
const cat = (p: string) => spawnSync(process.execPath, [BIN, 'cat', '-q', p], { maxBuffer: 1 << 30 }).stdout;
let ok = true;
let sum = 0;
const whole = cat(dir);
for (const name of readdirSync(dir).sort()) {
  const p = join(dir, name);
  if (name.startsWith('.') || !statSync(p).isFile()) continue;
  const mine = cat(p);
  const { data } = streamDecode(readFileSync(p));
  const complete = data.subarray(0, data.lastIndexOf(10) + 1);
  const finished = (statSync(p).mode & 0o222) === 0;
  const z = spawnSync('zstd', ['-dc', p], { maxBuffer: 1 << 30 });
  const streamOk = mine.equals(complete);
  const zstdOk = z.status === 0 ? mine.equals(z.stdout) : null;
  const lines = mine.length === 0 ? 0 : mine.toString().split('\n').length - 1;
  sum += lines;
  ok &&= streamOk && zstdOk !== false;
  process.stdout.write(`${name}\t${finished ? 'finished' : 'live'}\t${lines} lines\tcomplete lines: ${streamOk ? 'same' : 'DIFFERENT'}\tzstd -dc: ${zstdOk === null ? 'fails (unfinished frame)' : zstdOk ? 'same' : 'DIFFERENT'}\n`);
}
const wholeLines = whole.length === 0 ? 0 : whole.toString().split('\n').length - 1;
ok &&= wholeLines === sum;
process.stdout.write(`cat DIR: ${wholeLines} lines, sum of segments ${sum}: ${ok ? 'ALL OK' : 'MISMATCH'}\n`);
process.exit(ok ? 0 : 1);
