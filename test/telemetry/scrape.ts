// Test helpers for the metrics listener: scrape it over real HTTP and read the text format, and
// find its address in the log of a tail started with port 0.
import { logLines } from '../helpers/cli.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export class Scrape {
  constructor(readonly samples: Sample[]) {}

  /** The sum of every sample of `name` whose labels include `labels`. */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.of(name, labels).reduce((n, s) => n + s.value, 0);
  }

  of(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }
}

export async function scrape(base: string): Promise<Scrape> {
  const res = await fetch(`${base}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  if (!res.headers.get('content-type')?.startsWith('text/plain')) throw new Error(`/metrics content-type ${res.headers.get('content-type')}`);
  return new Scrape(parseMetrics(await res.text()));
}

export async function probe(base: string, path: '/healthz' | '/readyz'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, text: (await res.text()).trim() };
}

/** The listener's base URL, from the tail's "metrics on ..." log line (null until it is logged). */
export function metricsBase(stderr: string): string | null {
  const l = logLines(stderr).find((x) => x.msg.startsWith('metrics on '));
  return l ? /^metrics on (http:\/\/[^/]+)\/metrics/.exec(l.msg)![1]! : null;
}

export async function until<T>(what: string, f: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
