// `loghook send-test`: one sample record (record/sample.ts) through a hook's real request path:
// the sink tail would build for it (pipeline/hooks.ts: headers, signing, TLS, proxy,
// compression), the endpoint its routing picks for that record. Nothing is queued and no state
// dir is touched: the answer is the point.
import type { HookRuntime } from './hooks.js';
import type { SinkOutcome, SinkRequest } from '../deliver/sink.js';
import type { QueuedRow } from '../spool/types.js';
import { eventId, requestId, testSegmentKey } from '../hook/event-id.js';
import { RecordView } from '../record/view.js';
import { SAMPLE_RECORD } from '../record/sample.js';
import type { Clock } from '../util/clock.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../util/errors.js';

export interface SendTestResult {
  hook: string;
  /** where it went, secrets masked */
  endpoint: string;
  eventId: string;
  outcome: SinkOutcome;
  ms: number;
}

/** Sends the sample record to `rt`'s endpoint for it. */
export async function sendTest(rt: HookRuntime, clock: Clock): Promise<SendTestResult> {
  const body = Buffer.from(SAMPLE_RECORD);
  const key = testSegmentKey();
  const msg: QueuedRow = {
    rowId: 0, queueId: 0, stream: 'send-test', segment: 'send-test', segmentKey: key, lines: Uint32Array.of(1),
    body, ends: Uint32Array.of(body.length), starts: null, createdAt: clock.now(), attempts: 0, dueAt: clock.now(), disposition: null,
  };
  const id = eventId(key, 1);
  const sink = rt.sinkFor(endpointFor(rt, body));
  try {
    const started = performance.now();
    const req: SinkRequest = { slices: [{ msg, from: 0, to: 1 }], records: 1, eventIds: [id], id: requestId([id]), attempt: 1, now: clock.now(), format: rt.delivery.batchFormat ?? 'array' };
    const outcome = await sink.send(req);
    return { hook: rt.name, endpoint: sink.endpoint, eventId: id, outcome, ms: performance.now() - started };
  } finally {
    await sink.destroy();
  }
}

/** The queue endpoint tail would give the sample record ('' is the hook's own url), as hook-select.ts does. */
function endpointFor(rt: HookRuntime, body: Buffer): string {
  const compiled = rt.select.compiled;
  if (!compiled) return '';
  const r = compiled.route(new RecordView(body, 0, body.length));
  if ('unrouted' in r) {
    const why = r.unrouted === 'missing-field' ? `it has no field ${r.field ?? ''}` : `the routes have no route '${r.key ?? ''}' and no default_url`;
    throw new UsageError(`hook '${rt.name}': the sample record (a Delivery to user@recipient.example.com) goes nowhere: ${why}; add a default_url to test this hook`);
  }
  return r.endpoint === rt.select.ownUrl ? '' : r.key !== undefined ? `route:${r.key}` : r.endpoint;
}

/** 0 delivered; 13 the endpoint's setup is wrong (certificate, redirect, 401/403/404 ...); 12 no answer; 1 anything else. */
export function sendTestExit(outcome: SinkOutcome): ExitCodeValue {
  if (outcome.verdict === 'delivered') return ExitCode.ok;
  if (outcome.kind === 'config' || outcome.endpointLevel !== null) return ExitCode.endpointMisconfigured;
  if (outcome.kind === 'unreachable' || outcome.kind === 'timeout') return ExitCode.unreachable;
  return ExitCode.failure;
}
