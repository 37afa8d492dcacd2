// What the broker shaping tests (amqp/shaped.test.ts, nats/shaped.test.ts) share: kumod-like
// records of mixed types and tenants, the hooks' shaping settings, and each record's expected
// shaped text written out by hand (not computed by src/body/), to compare message bodies with.
import { createBodyShaper, type BodyShaper } from '../../src/body/shaper.js';
import type { BatchFormat, BodyConfig } from '../../src/config/schema.js';
import { batchId } from '../../src/hook/event-id.js';
import { kumo } from '../body/support.js';

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
