// The record fields that `match` keys and `{field}` templates may name. The matching helper
// (src/hook/) and the template renderer read the same names; this list is what the config
// accepts. `meta.<key>` and `headers.<name>` reach into the record's meta and headers objects.
import { didYouMean } from './problems.js';

export const FIELD_NAMES = [
  'type', 'tenant', 'campaign', 'domain', 'routing_domain', 'egress_pool', 'egress_source', 'site',
  'bounce_classification', 'reception_protocol', 'delivery_protocol', 'recipient_domain',
  'sender_domain', 'response.code',
] as const;

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why `name` is not a field name a match or a template may use, or null when it is one. */
export function fieldNameProblem(name: string): string | null {
  if ((FIELD_NAMES as readonly string[]).includes(name)) return null;
  if (name.startsWith('meta.')) return name.length > 'meta.'.length ? null : `'meta.' needs a key after the dot (meta.<key>)`;
  if (name.startsWith('headers.')) {
    const h = name.slice('headers.'.length);
    if (h === '') return `'headers.' needs a header name after the dot (headers.<name>)`;
    return HEADER_NAME.test(h) ? null : `'${name}': '${h}' is not a header name`;
  }
  const hint = didYouMean(name, [...FIELD_NAMES, 'meta.<key>', 'headers.<name>']);
  return `unknown field '${name}'${hint || ` (known: ${FIELD_NAMES.join(', ')}, meta.<key>, headers.<name>)`}`;
}
