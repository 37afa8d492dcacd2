// What the broker shaping tests (amqp/shaped.test.ts, nats/shaped.test.ts) share: kumod-like
// records of mixed types and tenants, the hooks' shaping settings, each record's expected shaped
// text written out by hand (not computed by src/body/), to compare message bodies with, and the
// checks both make of the messages (each file says how its broker's message reads: `Seen`).
import assert from 'node:assert/strict';
import { createBodyShaper, type BodyShaper } from '../../src/body/shaper.js';
import type { BatchFormat, BodyConfig } from '../../src/config/schema.js';
import { batchId } from '../../src/hook/event-id.js';
import { kumo } from '../body/support.js';
import type { RunResult } from '../helpers/broker-run.js';
import type { LogLine } from '../deliver/harness.js';

export { kumo };

/** types and tenants: a routing key / subject `<prefix>.{type}.{tenant}` makes four messages of six records */
export const MIX = [
  { type: 'Delivery', tenant: 'acme' }, { type: 'Bounce', tenant: 'acme' }, { type: 'Delivery', tenant: 'globex' },
  { type: 'Delivery', tenant: 'acme' }, { type: 'Bounce', tenant: 'globex' }, { type: 'Delivery', tenant: 'acme' },
];

export const mixed = (): Record<string, unknown>[] => MIX.map((o, i) => kumo(i, o));

export const FIELDS: BodyConfig = {
  mode: 'fields',
  fields: ['type', 'meta.tenant', 'recipient', 'response.code', 'campaign'],
  rename: { type: 'event', 'meta.tenant': 'tenant' },
  add: { node: 'mta1' },
};

/** What FIELDS makes of kumo(i, o): its values as kumod wrote them; campaign derived from the queue name */
export function fieldsText(i: number, o: { type: string; tenant: string }): string {
  return `{"event":"${o.type}","tenant":"${o.tenant}","recipient":"user${i}@example.net","response":{"code":250},"campaign":"welcome","node":"mta1"}`;
}

export const TEMPLATE: BodyConfig = { mode: 'template', template: '{"kind": {{ type | lower | tojson }}, "to": {{ recipient | tojson }}, "code": {{ response.code }}, "tenant": {{ tenant | tojson }}}' };

export function templateText(i: number, o: { type: string; tenant: string }): string {
  return `{"kind": "${o.type.toLowerCase()}", "to": "user${i}@example.net", "code": 250, "tenant": "${o.tenant}"}`;
}

/** Fails on Bounces only: a kumod record's field is not a function (a render error, line 2) */
export const FAILS_ON_BOUNCES: BodyConfig = { mode: 'template', template: '{% if type == "Bounce" %}\n{{ recipient() }}{% endif %}{"id": {{ id | tojson }}}' };

export const shaperOf = (body: BodyConfig, format: BatchFormat): BodyShaper => createBodyShaper(body, format)!;

/** The records of each key of MIX under `<prefix>.{type}.{tenant}`, in the order keys first appear. */
export function groups(prefix: string): { key: string; indexes: number[] }[] {
  const out = new Map<string, number[]>();
  MIX.forEach((o, i) => {
    const k = `${prefix}.${o.type}.${o.tenant}`;
    out.set(k, [...(out.get(k) ?? []), i]);
  });
  return [...out].map(([key, indexes]) => ({ key, indexes }));
}

/** A message's id for these records of a request: a single record's event id, else their batch id. */
export const messageIdOf = (eventIds: readonly string[], indexes: number[]): string => (indexes.length === 1 ? eventIds[indexes[0]!]! : batchId(indexes.map((i) => eventIds[i]!)));

/** An array message body: one record alone, several in [ ]. */
export const arrayOf = (texts: string[]): string => (texts.length === 1 ? texts[0]! : `[${texts.join(',')}]`);

/** FIELDS over the records `indexes` of mixed(): one message's body. */
export const fieldsBody = (indexes: number[]): string => arrayOf(indexes.map((i) => fieldsText(i, MIX[i]!)));

/** TEMPLATE with batch_format ndjson over the records `indexes` of mixed(): one rendered line each. */
export const ndjsonBody = (indexes: number[]): string => indexes.map((i) => templateText(i, MIX[i]!) + '\n').join('');

/** batch_format envelope of the raw `records` at `indexes`: the message's id as batch_id, each record under its event id. */
export function envelopeBody(eventIds: readonly string[], indexes: number[], records: readonly Record<string, unknown>[]): string {
  const events = indexes.map((i) => `{"id":"${eventIds[i]}","record":${JSON.stringify(records[i])}}`);
  return `{"batch_id":"${messageIdOf(eventIds, indexes)}","events":[${events.join(',')}]}`;
}

/** A stored message as the checks read it, whatever the broker. */
export interface Seen {
  body: string;
  /** message_id / Nats-Msg-Id */
  id: unknown;
  contentType: unknown;
}

/**
 * For each key of groups('kumo'): its shaped message holds `body(indexes)` under the message id
 * of those records, and the content type `contentType(indexes)`.
 */
export function eachKey<M>(shaped: ReadonlyMap<string, M>, eventIds: readonly string[], see: (m: M) => Seen, body: (indexes: number[]) => string, contentType: (indexes: number[]) => string): void {
  for (const { key, indexes } of groups('kumo')) {
    const m = shaped.get(key);
    assert.ok(m, `no message under ${key}`);
    const seen = see(m);
    assert.equal(seen.body, body(indexes), key);
    assert.equal(seen.id, messageIdOf(eventIds, indexes), key);
    assert.equal(seen.contentType, contentType(indexes), key);
  }
}

/** The content type of a message of `indexes.length` records in `format` (an ndjson batch, else JSON). */
export const contentTypeOf = (format: 'array' | 'ndjson') => (indexes: number[]): string => (format === 'ndjson' && indexes.length > 1 ? 'application/x-ndjson' : 'application/json');

/** 40 records of segment feedfacefeedface; line 13 is the only Bounce, which FAILS_ON_BOUNCES cannot render. */
export const FAILING_KEY = 'feedfacefeedface';
export const failingLines = (): string[] =>
  Array.from({ length: 40 }, (_, i) => JSON.stringify(kumo(i, { type: i === 13 ? 'Bounce' : 'Delivery', tenant: i % 2 ? 'acme' : 'globex' })) + '\n');

/**
 * A dispatcher run of failingLines() shaped by FAILS_ON_BOUNCES: line 13 alone is dead-lettered,
 * naming its event id; every other record is in the `published` bodies exactly once; the split is
 * logged with its cause.
 */
export function refusedAlone(r: RunResult, published: readonly Buffer[], logs: readonly LogLine[]): void {
  assert.deepEqual(r.dead.map((d) => [d.line, d.reason]), [[13, 'final']]);
  assert.match(r.dead[0]!.disposition!, new RegExp(`^not sent: event ${FAILING_KEY}-13 cannot be shaped: template: line 2: .*Unable to call \`recipient\``));
  const ids = published.flatMap((b) => [JSON.parse(b.toString()) as { id: string }].flat().map((x) => x.id));
  assert.deepEqual(ids.sort(), Array.from({ length: 40 }, (_, i) => `m${i}`).filter((m) => m !== 'm13').sort(), 'each neighbour once: nothing of a refused request was published');
  assert.ok(logs.some((l) => l.level === 'warn' && l.msg.includes(`event ${FAILING_KEY}-13 cannot be shaped`)), 'the split is logged with its cause');
}
