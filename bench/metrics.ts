// What scraping /metrics costs: `tail --once` on the benchmark data with no listener, against the
// same run with --metrics-listen and a scraper fetching /metrics every second, rounds interleaved
// in the same run (the machines are shared and noisy). Goal: the scraped run keeps >= 98% of the
// records/s. Also the scrape's own latency (one core's time per scrape, roughly).
import { createServer } from 'node:net';
import type { BenchData } from './data.js';
import { median } from './measure.js';
import { runTailOnce, startReceiver } from './tail.js';

const SCRAPE_EVERY_MS = 1000;

/**
 * A free port below the ephemeral range: the scraper connects before the listener is up, and a
 * connect to a free ephemeral port can connect to itself (TCP self-connect) and take the port.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Fetches /metrics every second until stopped; counts the scrapes that answered and their latency. */
function scraper(url: string): { stop(): { scrapes: number; medianMs: number; bytes: number } } {
  const ms: number[] = [];
  let bytes = 0;
  const timer = setInterval(() => {
    const t0 = performance.now();
    fetch(url)
      .then(async (r) => {
        const body = await r.text();
        if (r.status !== 200) return;
        ms.push(performance.now() - t0);
        bytes = body.length;
      })
      .catch(() => undefined); // not listening yet, or already gone
  }, SCRAPE_EVERY_MS);
  return {
    stop: () => {
      clearInterval(timer);
      return { scrapes: ms.length, medianMs: ms.length ? +median(ms).toFixed(2) : 0, bytes };
    },
  };
}

export async function benchMetrics(data: BenchData, rounds = 3): Promise<Record<string, unknown>> {
  const rx = await startReceiver();
  try {
    const plain: number[] = [];
    const scraped: number[] = [];
    let records = 0;
    let scrapes = { scrapes: 0, medianMs: 0, bytes: 0 };
    const args = ['--batch-size', '100'];
    for (let r = 0; r < rounds; r++) {
      const p = await runTailOnce(data, rx.url, args);
      plain.push(p.seconds);
      records = p.records;
      const port = await freePort();
      const s = scraper(`http://127.0.0.1:${port}/metrics`);
      const m = await runTailOnce(data, rx.url, [...args, '--metrics-listen', `127.0.0.1:${port}`]);
      const got = s.stop();
      if (got.scrapes === 0) throw new Error('no scrape answered: was the listener up?');
      if (m.records !== records) throw new Error(`the scraped run delivered ${m.records}, the plain one ${records}`);
      scraped.push(m.seconds);
      scrapes = got;
    }
    const plainRps = Math.round(records / median(plain));
    const scrapedRps = Math.round(records / median(scraped));
    const ratio = scrapedRps / plainRps;
    return {
      records,
      'tail --once --batch-size 100 (reference)': { seconds: +median(plain).toFixed(3), recordsPerSec: plainRps, rounds: plain.map((x) => +x.toFixed(2)) },
      'same, /metrics scraped every 1 s': { seconds: +median(scraped).toFixed(3), recordsPerSec: scrapedRps, rounds: scraped.map((x) => +x.toFixed(2)) },
      'ratio scraped / reference': +ratio.toFixed(3),
      'last scraped run': { scrapes: scrapes.scrapes, medianScrapeMs: scrapes.medianMs, exposition: `${Math.round(scrapes.bytes / 1024)} KiB` },
      goals: { 'scraped >= 0.98 x reference': ratio >= 0.98 },
    };
  } finally {
    rx.child.kill('SIGKILL');
  }
}
