// The benchmark's webhook receiver, run as its own process (the sender keeps its core):
// answers 200, counts records (from Loghook-Event-Ids, else one per request), and with --ids
// prints "<event id> <arrival ms>" per record on stdout for latency measurements.
//   node dist/bench/receiver.js [--ids]   → prints "port <n>" first; on SIGTERM a JSON summary
import { createServer } from 'node:http';
import { parseEventIdList } from '../src/hook/event-id-list.js';

const printIds = process.argv.includes('--ids');
let requests = 0;
let records = 0;
let bytes = 0;
const out: string[] = [];
const server = createServer((req, res) => {
  req.on('data', (c: Buffer) => (bytes += c.length));
  req.on('end', () => {
    requests++;
    const header = req.headers['loghook-event-ids'];
    const ids = typeof header === 'string' ? parseEventIdList(header) : [String(req.headers['webhook-id'])];
    records += ids.length;
    if (printIds) {
      const t = Date.now();
      for (const id of ids) out.push(`${id} ${t}\n`);
      if (out.length > 1000) process.stdout.write(out.splice(0).join(''));
    }
    res.writeHead(200, { 'content-length': '0' });
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`port ${typeof a === 'object' && a ? a.port : 0}\n`);
});
const flush = () => process.stdout.write(out.splice(0).join(''));
setInterval(flush, 20).unref();
process.on('SIGTERM', () => {
  flush();
  process.stdout.write(`summary ${JSON.stringify({ requests, records, bytes })}\n`, () => process.exit(0));
});
