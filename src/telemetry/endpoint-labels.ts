// The `endpoint` label of one hook's metrics, under a cardinality cap: the first ENDPOINT_LABEL_CAP
// endpoints seen keep their own label for the whole run, every later one is summed into
// `endpoint="other"`. First come keeps its label so that no series ever moves between its own
// label and `other` (a counter would seem to go backwards); endpoints are never forgotten in a
// run, so `other` only grows too.

export const ENDPOINT_LABEL_CAP = 100;
export const OTHER_ENDPOINT = 'other';

/** What an endpoint is called in metrics: its route key, or its URL with secrets masked. */
export function endpointName(key: string, maskedName: string): string {
  return key.startsWith('route:') ? key : maskedName;
}

export class EndpointLabels {
  private readonly admitted = new Set<string>();

  constructor(private readonly cap = ENDPOINT_LABEL_CAP) {}

  /** The label for endpoint `name`: its own while there is room, else `other`. */
  label(name: string): string {
    if (this.admitted.has(name)) return name;
    if (this.admitted.size >= this.cap) return OTHER_ENDPOINT;
    this.admitted.add(name);
    return name;
  }
}
