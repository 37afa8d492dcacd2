// The seam between the protocol-free delivery engine (this folder) and one protocol
// (src/sinks/http, src/sinks/amqp, src/sinks/nats). A sink turns one request, a run of records in
// body order, into one outcome in the engine's own words; the dispatcher, the outcome
// application, the breaker and the misconfiguration guard only ever see a SinkOutcome.
// Policy (which answer means what) is each sink's own pure table; the mechanism (backoff, jitter,
// breaker, guard) is shared.
import type { QueuedRow } from '../spool/types.js';
import type { BatchFormat } from './batch-body.js';

export type Verdict = 'delivered' | 'retry' | 'final';

/** What the outcome says about the endpoint as a whole, for the breaker. */
export type EndpointSignal = 'up' | 'transient' | 'unreachable';

/**
 * A closed set of failure kinds, coded like the exit codes (src/util/errors.ts): logs, status and
 * metrics labels use these words, whatever the protocol.
 */
export type FailureKind =
  /** refused, reset, DNS, connection or channel lost */
  | 'unreachable'
  /** no answer in time */
  | 'timeout'
  /** the receiver answered "not now": 5xx, 429, a broker nack, flow control */
  | 'transient'
  /** the receiver refused these records for good: most 4xx, a broker's final rejection */
  | 'rejected'
  /** the request is larger than the receiver takes (413, max_payload): split it */
  | 'too-large'
  /** the endpoint or its configuration is wrong: certificates, a redirect, no stream, unroutable,
   * bad credentials. Records stay queued; the disposition says what to fix */
  | 'config';

export interface SinkOutcome {
  verdict: Verdict;
  /** the operator asked for this verdict by name (final_on / retry_on): the guard leaves it be */
  explicit: boolean;
  /** null when delivered */
  kind: FailureKind | null;
  /** KumoMTA-style, one line: `503 Service Unavailable: <body>`, `connection error: ECONNREFUSED ...`;
   * null when delivered */
  disposition: string | null;
  /** "the same failure", for logging changes and not every request: `status:404`, `error:ECONNREFUSED` */
  failureKey: string;
  /** the receiver asked for this much quiet (ms), e.g. Retry-After; null when it did not */
  retryAfterMs: number | null;
  signal: EndpointSignal;
  /**
   * An answer that speaks of the endpoint or the credentials, not of these records (404, 401, a
   * missing stream): a streak of identical ones is a misconfiguration (misconfig-guard.ts).
   * The code that identifies "identical" (an HTTP status, or a stable number per broker error).
   */
  endpointLevel: number | null;
}

/** Records [from, to) of a claimed row, in body order. */
export interface RequestSlice {
  msg: QueuedRow;
  from: number;
  to: number;
}

/** One request: a run of records of one endpoint, in body order. */
export interface SinkRequest {
  slices: readonly RequestSlice[];
  records: number;
  /** the event id of each record, in body order (`<segment key>-<line>`, hook/event-id.ts) */
  eventIds: readonly string[];
  /** the request's stable id: the event id of a single record, else the batch id (hook/event-id.ts) */
  id: string;
  /** 1 for the first try, 2 for the first retry ... (a batch: its most-tried record) */
  attempt: number;
  /** ms since the epoch, from the injected clock */
  now: number;
  format: BatchFormat;
}

export interface Sink {
  /** the endpoint for logs and status, with secrets masked */
  readonly endpoint: string;
  /** the budget of the compact list of a request's event ids (HTTP: its header): the batcher keeps within it */
  readonly maxEventIdHeaderBytes?: number;
  /** Sends one request. Never rejects: every result is a SinkOutcome. */
  send(req: SinkRequest): Promise<SinkOutcome>;
  /** Waits for requests in flight, then closes the connections. */
  close(): Promise<void>;
  /** Aborts requests in flight and closes at once. */
  destroy(): Promise<void>;
}

export const DELIVERED_OUTCOME: SinkOutcome = Object.freeze({
  verdict: 'delivered',
  explicit: false,
  kind: null,
  disposition: null,
  failureKey: 'ok',
  retryAfterMs: null,
  signal: 'up',
  endpointLevel: null,
});

/** The bytes of record `i` of a row, trailing newline included (a view, no copy). */
export { recordBytes as recordOf } from '../spool/types.js';
