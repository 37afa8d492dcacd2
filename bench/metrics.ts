// What scraping /metrics costs: `tail --once` on the benchmark data with no listener, against the
// same run with --metrics-listen and a scraper fetching /metrics every second, rounds interleaved
// in the same run. Goal: the scraped run keeps >= 98% of the records/s.
//
// A 2% effect is below the noise of wall time on a shared machine (runs differ by ±6%), so the
// cost is also measured where it can be seen: the same run scraped 20 times a second. The tail's
// CPU (user + sys) beyond the unscraped run's, divided by the scrapes served, is what one scrape
// costs; one scrape a second then takes that share of the one core the pipeline runs on (the
// pipeline is one thread: a second of its time spent scraping is a second not spent reading).
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

/** Fetches /metrics every `everyMs` until stopped; counts the scrapes that answered and their latency. */
function scraper(url: string, everyMs = SCRAPE_EVERY_MS): { stop(): { scrapes: number; medianMs: number; bytes: number } } {
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
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { scrapes: ms.length, medianMs: ms.length ? +median(ms).toFixed(2) : 0, bytes };
    },
  };
}

/** Many scrapes a second: their CPU stands out of the noise. */
const MAGNIFIED_EVERY_MS = 50;

export async function benchMetrics(data: BenchData, rounds = 3): Promise<Record<string, unknown>> {
  const rx = await startReceiver();
  try {
    const plain: { seconds: number; cpu: number }[] = [];
    const scraped: { seconds: number; cpu: number }[] = [];
    const perScrapeMs: number[] = [];
    let records = 0;
    let scrapes = { scrapes: 0, medianMs: 0, bytes: 0 };
    let magnified = { scrapes: 0, medianMs: 0, bytes: 0 };
    const args = ['--batch-size', '100'];
    const scrapedRun = async (everyMs: number) => {
      const port = await freePort();
      const s = scraper(`http://127.0.0.1:${port}/metrics`, everyMs);
      const m = await runTailOnce(data, rx.url, [...args, '--metrics-listen', `127.0.0.1:${port}`]);
      const got = s.stop();
      if (got.scrapes === 0) throw new Error('no scrape answered: was the listener up?');
      if (m.records !== records) throw new Error(`the scraped run delivered ${m.records}, the plain one ${records}`);
      return { m, got };
    };
    for (let r = 0; r < rounds; r++) {
      const p = await runTailOnce(data, rx.url, args);
      plain.push({ seconds: p.seconds, cpu: p.cpuSeconds });
      records = p.records;
      const one = await scrapedRun(SCRAPE_EVERY_MS);
      scraped.push({ seconds: one.m.seconds, cpu: one.m.cpuSeconds });
      scrapes = one.got;
      const many = await scrapedRun(MAGNIFIED_EVERY_MS);
      perScrapeMs.push(((many.m.cpuSeconds - p.cpuSeconds) * 1000) / many.got.scrapes);
      magnified = many.got;
    }
    const med = (xs: { seconds: number; cpu: number }[], k: 'seconds' | 'cpu') => median(xs.map((x) => x[k]));
    const plainRps = Math.round(records / med(plain, 'seconds'));
    const scrapedRps = Math.round(records / med(scraped, 'seconds'));
    const ratio = scrapedRps / plainRps;
    const cpuUs = (xs: typeof plain) => +((med(xs, 'cpu') / records) * 1e6).toFixed(2);
    const scrapeMs = median(perScrapeMs);
    // one scrape a second: scrapeMs of every 1000 ms of the pipeline's thread
    const costShare = Math.max(0, scrapeMs) / (SCRAPE_EVERY_MS);
    return {
      records,
      'tail --once --batch-size 100 (reference)': { seconds: +med(plain, 'seconds').toFixed(3), recordsPerSec: plainRps, cpuUsPerRecord: cpuUs(plain), rounds: plain.map((x) => +x.seconds.toFixed(2)) },
      'same, /metrics scraped every 1 s': { seconds: +med(scraped, 'seconds').toFixed(3), recordsPerSec: scrapedRps, cpuUsPerRecord: cpuUs(scraped), rounds: scraped.map((x) => +x.seconds.toFixed(2)) },
      'ratio scraped / reference (wall; noise about ±6%)': +ratio.toFixed(3),
      [`same, scraped every ${MAGNIFIED_EVERY_MS} ms`]: { scrapes: magnified.scrapes, medianScrapeMs: magnified.medianMs, cpuMsPerScrape: perScrapeMs.map((x) => +x.toFixed(2)) },
      'CPU per scrape (median), ms': +scrapeMs.toFixed(2),
      'share of the pipeline thread taken by one scrape a second': `${(costShare * 100).toFixed(2)}%`,
      'last scraped run': { scrapes: scrapes.scrapes, medianScrapeMs: scrapes.medianMs, exposition: `${Math.round(scrapes.bytes / 1024)} KiB` },
      goals: { 'one scrape a second costs <= 2% (CPU per scrape)': costShare <= 0.02 },
    };
  } finally {
    rx.child.kill('SIGKILL');
  }
}
