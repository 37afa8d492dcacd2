// A request's records partitioned by the routing key or subject each renders: one broker message
// per key, so that with batch_size > 1 every record is published under its own key. Pure.
//
// - A message holds its key's records in body order (the request's order); messages come in the
//   order their keys first appear.
// - Its id (AMQP message_id, NATS Nats-Msg-Id) is hook/event-id.ts's requestId of its own records:
//   a message of one record carries that record's event id, as with batch_size = 1; the whole
//   request under one key keeps the request's id. The same records always get the same id.
// - Its fields (type, tenant, campaign, node) are those all its records agree on.
// A request of one key (a fixed key, or records that render alike) is one message, as before.
import type { SinkRequest } from '../deliver/sink.js';
import type { RowSlice } from '../deliver/batch-body.js';
import { requestId } from '../hook/event-id.js';
import { RecordView } from '../record/view.js';
import { recordStart } from '../spool/types.js';
import { CommonFields, NO_FIELDS, type KeyOf, type RecordFields } from './broker-fields.js';

export interface BrokerMessage {
  /** the routing key or subject */
  key: string;
  /** its records, in body order (runs of one row) */
  slices: RowSlice[];
  records: number;
  /** the event ids of its records, in body order */
  eventIds: string[];
  /** message_id / Nats-Msg-Id */
  id: string;
  /** what all its records agree on */
  fields: RecordFields;
}

/** The messages of `req`, one per key. */
export function partition(req: Pick<SinkRequest, 'slices' | 'eventIds' | 'id'>, key: KeyOf): BrokerMessage[] {
  const byKey = new Map<string, BrokerMessage & { common: CommonFields }>();
  const out: (BrokerMessage & { common: CommonFields })[] = [];
  let pos = 0;
  for (const { msg, from, to } of req.slices) {
    for (let i = from; i < to; i++, pos++) {
      const view = new RecordView(msg.body, recordStart(msg, i), msg.ends[i]!);
      const k = typeof key === 'string' ? key : key(view);
      let m = byKey.get(k);
      if (m === undefined) {
        m = { key: k, slices: [], records: 0, eventIds: [], id: '', fields: NO_FIELDS, common: new CommonFields() };
        byKey.set(k, m);
        out.push(m);
      }
      m.common.add(view);
      const last = m.slices[m.slices.length - 1];
      if (last !== undefined && last.msg === msg && last.to === i) last.to = i + 1;
      else m.slices.push({ msg, from: i, to: i + 1 });
      m.records++;
      m.eventIds.push(req.eventIds[pos]!);
    }
  }
  return out.map(({ common, ...m }) => ({ ...m, id: out.length === 1 ? req.id : requestId(m.eventIds), fields: common.fields }));
}
