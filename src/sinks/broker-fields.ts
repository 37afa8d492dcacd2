// The record fields the broker sinks put in message properties and headers (type, tenant,
// campaign, node), read from each record through the hooks' shared lazy view (record/view.ts),
// the same view the routing key or subject template renders from.
//
// tenant and campaign come from `meta.tenant` / `meta.campaign` when the operator logs them, else
// from the queue name, `[campaign:][tenant@]domain[!routing_domain]` (record/queue-name.ts); node
// is kumod's `nodeid`. A message of several records carries a field only when all its records
// agree on it (broker-groups.ts): a header never describes a record it does not fit.
import type { RecordView } from '../record/view.js';
import { KeySet, scanObject, valueAt } from '../record/scan.js';

export interface RecordFields {
  type: string | null;
  tenant: string | null;
  campaign: string | null;
  node: string | null;
}

export const NO_FIELDS: RecordFields = Object.freeze({ type: null, tenant: null, campaign: null, node: null });

const TOP = new KeySet(['type', 'meta', 'nodeid']);
const META = new KeySet(['tenant', 'campaign']);
const top = new Int32Array(6);
const meta = new Int32Array(4);

/**
 * One record's fields; a line that is not a JSON object has none (loghook forwards it as kumod
 * wrote it). Scanned from the bytes in one pass (record/scan.ts), not parsed: a JSON.parse per
 * record cost batches of 100 a third of their rate. Bytes the scan cannot follow are parsed.
 */
export function fieldsOf(view: RecordView): RecordFields {
  const { buf, start, end } = view;
  if (!view.parsed && scanObject(buf, start, end, TOP, top)) {
    const text = (s: number, e: number): string | null => (s < 0 ? null : str(valueAt(buf, s, e)));
    let tenant: string | null = null;
    let campaign: string | null = null;
    if (top[2]! >= 0 && scanObject(buf, top[2]!, top[3]!, META, meta)) {
      tenant = text(meta[0]!, meta[1]!);
      campaign = text(meta[2]!, meta[3]!);
    }
    // the queue name only when meta lacks one of them (parsing it was a fifth of this function)
    if (tenant === null || campaign === null) {
      const q = view.queue();
      tenant ??= q.tenant ?? null;
      campaign ??= q.campaign ?? null;
    }
    return { type: text(top[0]!, top[1]!), tenant, campaign, node: text(top[4]!, top[5]!) };
  }
  const rec = view.record() as Record<string, unknown> | null;
  if (rec === null) return NO_FIELDS;
  const m = rec.meta !== null && typeof rec.meta === 'object' ? (rec.meta as Record<string, unknown>) : {};
  const q = view.queue();
  return { type: str(rec.type), tenant: str(m.tenant) ?? q.tenant ?? null, campaign: str(m.campaign) ?? q.campaign ?? null, node: str(rec.nodeid) };
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

/** The JSON bytes a string field's value is written as, to compare records by bytes. */
function token(v: string | null): Buffer | null {
  return v === null ? null : Buffer.from(JSON.stringify(v), 'utf8');
}

function sameBytes(buf: Buffer, s: number, e: number, t: Buffer): boolean {
  if (s < 0 || e - s !== t.length) return false;
  for (let i = 0; i < t.length; i++) if (buf[s + i] !== t[i]) return false;
  return true;
}

/**
 * The fields all of a message's records agree on, gathered record by record: the first record's
 * are read (fieldsOf); every later record's values are compared by their bytes with the first's,
 * without building a string, and a field once disagreed on is no longer looked at. A value
 * written differently (an escape where the first had none) counts as a disagreement: the header
 * is then left out, never wrong. Records the scan cannot follow take the fieldsOf path.
 */
export class CommonFields {
  private f: RecordFields | null = null;
  /** the first record's values as JSON bytes: type, tenant, campaign, node */
  private t: (Buffer | null)[] = [];

  get fields(): RecordFields {
    return this.f ?? NO_FIELDS;
  }

  add(view: RecordView): void {
    const f = this.f;
    if (f === null) {
      this.f = fieldsOf(view);
      this.t = [token(this.f.type), token(this.f.tenant), token(this.f.campaign), token(this.f.node)];
      return;
    }
    if (f.type === null && f.tenant === null && f.campaign === null && f.node === null) return;
    const { buf, start, end } = view;
    if (view.parsed || !scanObject(buf, start, end, TOP, top)) {
      this.f = commonFields(f, fieldsOf(view));
      return;
    }
    let { type, tenant, campaign, node } = f;
    if (tenant !== null || campaign !== null) {
      // meta's own values by their bytes, else the queue name's (parsed once, compared as text)
      if (top[2]! < 0 || !scanObject(buf, top[2]!, top[3]!, META, meta)) meta.fill(-1);
      const q = meta[0]! < 0 || meta[2]! < 0 ? view.queue() : null;
      if (tenant !== null && !(meta[0]! >= 0 ? sameBytes(buf, meta[0]!, meta[1]!, this.t[1]!) : q!.tenant === tenant)) tenant = null;
      if (campaign !== null && !(meta[2]! >= 0 ? sameBytes(buf, meta[2]!, meta[3]!, this.t[2]!) : q!.campaign === campaign)) campaign = null;
    }
    if (type !== null && !sameBytes(buf, top[0]!, top[1]!, this.t[0]!)) type = null;
    if (node !== null && !sameBytes(buf, top[4]!, top[5]!, this.t[3]!)) node = null;
    if (type !== f.type || tenant !== f.tenant || campaign !== f.campaign || node !== f.node) this.f = { type, tenant, campaign, node };
  }
}
