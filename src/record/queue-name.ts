// The parts of KumoMTA's queue name, `[campaign:][tenant@]domain[!routing_domain]`, split exactly as
// kumod splits it (crates/message/src/queue_name.rs, QueueNameComponents::parse): the first '@'
// ends the prefix, the first ':' of the prefix ends the campaign, the first '!' after the prefix
// starts the routing domain. So `campaign:domain` (no '@') is one domain name, as in kumod, whose
// own formatter writes a campaign without a tenant as `campaign:@domain`.
//
// Where this differs from kumod, on purpose:
// - an empty part is absent: `campaign:@d` has no tenant (kumod says Some("")), `d!` no routing domain;
// - kumod's internal queues are not destinations and have no parts: `null` (the discard queue) and
//   names ending in `.kumomta.internal` (the deferred-injection and generator queues, and xfer
//   queues, which are `<url>.xfer.kumomta.internal`). Their name stays readable as the `queue` field.
// Names a policy makes up (`webhook.log_hook`, from KumoMTA's log_hooks helper) parse like kumod
// parses them: a domain, the one kumod passes to get_queue_config.

export interface QueueParts {
  campaign?: string;
  tenant?: string;
  domain?: string;
  routing_domain?: string;
}

const NONE: QueueParts = Object.freeze({});
const INTERNAL_SUFFIX = '.kumomta.internal';

const part = (s: string): string | undefined => (s === '' ? undefined : s);

export function parseQueueName(name: string): QueueParts {
  if (name === '' || name === 'null' || name.endsWith(INTERNAL_SUFFIX)) return NONE;
  let campaign: string | undefined;
  let tenant: string | undefined;
  let rest = name;
  const at = name.indexOf('@');
  if (at !== -1) {
    const prefix = name.slice(0, at);
    rest = name.slice(at + 1);
    const colon = prefix.indexOf(':');
    if (colon === -1) tenant = part(prefix);
    else {
      campaign = part(prefix.slice(0, colon));
      tenant = part(prefix.slice(colon + 1));
    }
  }
  const bang = rest.indexOf('!');
  const domain = part(bang === -1 ? rest : rest.slice(0, bang));
  const routing_domain = bang === -1 ? undefined : part(rest.slice(bang + 1));
  return { campaign, tenant, domain, routing_domain };
}
