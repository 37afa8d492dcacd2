// What /readyz answers: ready while the state dir is open and usable, the reader runs, and no hook
// has had every one of its endpoints down (or probing) for longer than ready_max_down. A hook
// with some endpoints up is still delivering; one with no endpoint yet has nothing to deliver.
import { formatDuration } from '../config/units.js';

export interface HookHealth {
  name: string;
  endpoints: number;
  /** endpoints not healthy (down or probing) */
  down: number;
}

export interface ReadyInputs {
  /** why the state dir cannot be used now (disk full, a failed commit), null when it can */
  stateProblem: string | null;
  /** why records are not being read now, null while the reader runs */
  notReading: string | null;
  hooks: HookHealth[];
}

export type Verdict = { ready: true; reason: string } | { ready: false; reason: string };

export class Readiness {
  /** hook -> since when (ms) every endpoint of it has been down */
  private readonly downSince = new Map<string, number>();

  constructor(private readonly maxDownMs: number) {}

  /** Notes which hooks have every endpoint down now; call it often (each probe, and on a timer). */
  sample(hooks: readonly HookHealth[], now: number): void {
    for (const h of hooks) {
      const allDown = h.endpoints > 0 && h.down === h.endpoints;
      if (!allDown) this.downSince.delete(h.name);
      else if (!this.downSince.has(h.name)) this.downSince.set(h.name, now);
    }
  }

  verdict(i: ReadyInputs, now: number): Verdict {
    this.sample(i.hooks, now);
    if (i.stateProblem !== null) return { ready: false, reason: `state: ${i.stateProblem}` };
    if (i.notReading !== null) return { ready: false, reason: `not reading: ${i.notReading}` };
    for (const h of i.hooks) {
      const since = this.downSince.get(h.name);
      if (since === undefined || now - since < this.maxDownMs) continue;
      const all = h.endpoints === 1 ? 'its endpoint' : `all ${h.endpoints} endpoints`;
      return { ready: false, reason: `hook '${h.name}': ${all} down for ${formatDuration(now - since)} (ready_max_down is ${formatDuration(this.maxDownMs)})` };
    }
    return { ready: true, reason: 'ready' };
  }
}
