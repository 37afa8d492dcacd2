// The record fields the broker sinks put in message properties and headers (type, tenant,
// campaign, node), read from a request's FIRST record. A stand-in until the hooks' shared field
// extraction (src/hook/) lands: swap `requestFields` for it, nothing else here knows the record.
//
// tenant and campaign come from `meta.tenant` / `meta.campaign` when the operator logs them, else
// from the queue name, `[campaign:][tenant@]domain[!routing_domain]` (KUMO-FORMAT.md); node is
// kumod's `nodeid`. With several records per message these describe the first record only (the
// batcher does not yet partition batches by routing key).
import { recordOf, type SinkRequest } from '../deliver/sink.js';

export interface RequestFields {
  type: string | null;
  tenant: string | null;
  campaign: string | null;
  node: string | null;
}

const NONE: RequestFields = Object.freeze({ type: null, tenant: null, campaign: null, node: null });

export function requestFields(req: Pick<SinkRequest, 'slices'>): RequestFields {
  const first = req.slices[0];
  if (!first || first.to <= first.from) return NONE;
  let rec: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(recordOf(first.msg, first.from).toString('utf8'));
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return NONE;
    rec = v as Record<string, unknown>;
  } catch {
    return NONE; // loghook forwards what kumod wrote, parseable or not
  }
  const meta = rec.meta !== null && typeof rec.meta === 'object' ? (rec.meta as Record<string, unknown>) : {};
  const q = parseQueue(typeof rec.queue === 'string' ? rec.queue : '');
  return {
    type: str(rec.type),
    tenant: str(meta.tenant) ?? q.tenant,
    campaign: str(meta.campaign) ?? q.campaign,
    node: str(rec.nodeid),
  };
}

/** `[campaign:][tenant@]domain[!routing_domain]` -> its campaign and tenant parts. */
export function parseQueue(queue: string): { campaign: string | null; tenant: string | null } {
  const bang = queue.indexOf('!');
  const head = bang >= 0 ? queue.slice(0, bang) : queue;
  const colon = head.indexOf(':');
  const campaign = colon > 0 ? head.slice(0, colon) : null;
  const rest = colon >= 0 ? head.slice(colon + 1) : head;
  const at = rest.lastIndexOf('@');
  return { campaign, tenant: at > 0 ? rest.slice(0, at) : null };
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** A routing key or subject: a fixed string, or computed per request (templates, later). */
export type KeyOf = string | ((req: SinkRequest, fields: RequestFields) => string);

export function keyOf(k: KeyOf, req: SinkRequest, fields: RequestFields): string {
  return typeof k === 'string' ? k : k(req, fields);
}
