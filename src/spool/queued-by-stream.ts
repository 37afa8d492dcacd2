// Where the queued records came from: records per log stream and queue, for the start-up check
// that warns when a state dir holds records of log dirs the configuration no longer reads
// (pipeline/foreign-queue.ts). One scan of the rows (there is no index by stream): it runs only
// when the checkpoints name a stream the run does not read.
import type { Db } from './sqlite.js';

export interface StreamQueueCount {
  stream: string;
  queueId: number;
  records: number;
}

export function queuedByStream(db: Db): StreamQueueCount[] {
  return db
    .prepare('SELECT stream, queue_id AS queueId, sum(count) AS records FROM messages GROUP BY stream, queue_id ORDER BY stream, queue_id')
    .all() as StreamQueueCount[];
}
