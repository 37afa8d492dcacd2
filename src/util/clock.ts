// One injected clock and random source: retry, batching and expiry logic never reads the real
// time directly, so tests drive it with a manual clock and never sleep for real.

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  /** resolves after `ms` of this clock's time; rejects with an AbortError when `signal` aborts */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** calls `fn` after `ms` of this clock's time, unless the returned cancel function runs first
   * (cheaper than sleep with an AbortSignal, whose abort builds a DOMException with a stack) */
  timer(ms: number, fn: () => void): () => void;
}

export type Random = () => number;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(t);
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  timer: (ms, fn) => {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

export function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}
