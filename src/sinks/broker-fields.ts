// The record fields the broker sinks put in message properties and headers (type, tenant,
// campaign, node), read from each record through the hooks' shared lazy view (record/view.ts),
// the same view the routing key or subject template renders from.
//
// tenant and campaign come from `meta.tenant` / `meta.campaign` when the operator logs them, else
// from the queue name, `[campaign:][tenant@]domain[!routing_domain]` (record/queue-name.ts); node
// is kumod's `nodeid`. A message of several records carries a field only when all its records
// agree on it (broker-groups.ts): a header never describes a record it does not fit.
import type { RecordView } from '../record/view.js';

export interface RecordFields {
  type: string | null;
  tenant: string | null;
  campaign: string | null;
  node: string | null;
}

export const NO_FIELDS: RecordFields = Object.freeze({ type: null, tenant: null, campaign: null, node: null });

/** One record's fields; a line that is not a JSON object has none (loghook forwards it as kumod wrote it). */
export function fieldsOf(view: RecordView): RecordFields {
  // Scanned from the bytes (record/scan.ts), not parsed: a JSON.parse per record cost batches of
  // 100 a third of their rate. A line the scan cannot follow is parsed, and one that is not JSON
  // has no fields.
  const q = view.queue();
  const f: RecordFields = {
    type: str(view.type()),
    tenant: str(view.nested('meta', 'tenant')) ?? q.tenant ?? null,
    campaign: str(view.nested('meta', 'campaign')) ?? q.campaign ?? null,
    node: str(view.member('nodeid')),
  };
  return view.invalid !== undefined ? NO_FIELDS : f;
}

/** The fields `a` and `b` share; a field on which they differ is left out (null). */
export function commonFields(a: RecordFields, b: RecordFields): RecordFields {
  if (a.type === b.type && a.tenant === b.tenant && a.campaign === b.campaign && a.node === b.node) return a;
  return {
    type: a.type === b.type ? a.type : null,
    tenant: a.tenant === b.tenant ? a.tenant : null,
    campaign: a.campaign === b.campaign ? a.campaign : null,
    node: a.node === b.node ? a.node : null,
  };
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A routing key or subject: a fixed string, or rendered from each record (pipeline/hooks.ts keyTemplate). */
export type KeyOf = string | ((view: RecordView) => string);
