// What one hook does to a record: which records it publishes. Pure.
import type { SelectOptions } from '../record/select.js';

export interface HookFilter {
  /** record types to publish; undefined publishes all */
  types?: ReadonlySet<string>;
  /** publish KumoMTA's own webhook bookkeeping records (reception_protocol "LogRecord") too */
  includeLogRecord: boolean;
}

/** The line selection a hook asks for: kumod's hooks skip LogRecord records, and so do we by default. */
export function hookSelection(f: HookFilter): SelectOptions {
  return { ...(f.types ? { types: f.types } : {}), excludeLogRecord: !f.includeLogRecord };
}
