// Keeps V8's young generation small in a long-running tail. By default it grows to 2 x 16 MiB,
// a third of the process's RSS, although the pipeline's live data is small (measured: peak RSS
// 149-169 MB at 1 M records in batches of 100, 135 MB with the cap, same speed). The heap size
// flags cannot change once V8 runs, but the growth factor is read each time the new space grows:
// once it has reached the cap, growth is switched off.
//
// Start-up (loading the modules, opening the state) allocates fast enough to double the new
// space past the cap before the first poll (measured: 16 MiB instead of 8, about +20 MB of peak
// RSS at 1 M records in batches of 100), so the
// executable holds growth from its first line (bin/loghook.js) and the command releases it: the
// tail with its cap, every other command at once.
import v8 from 'node:v8';

const V8_DEFAULT_GROWTH = 2;

/** No growth of the new space until released (the executable's first line). */
export function holdYoungGeneration(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/** The new space grows as V8 would by default. */
export function releaseYoungGeneration(): void {
  v8.setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH}`);
}

/** The cap's handle: `check()` from the busy path (each read batch) until the cap is reached. */
export interface YoungGenerationCap {
  check(): void;
  stop(): void;
}

/**
 * Lets the new space grow up to `maxMb`, then holds it. Checked by a timer (an idle process) and
 * by `check()` from the busy path: a synchronous stretch of work can hold two doublings between
 * two ticks of the timer (test/util/heap.test.ts).
 */
export function capYoungGeneration(maxMb: number, everyMs = 50): YoungGenerationCap {
  const cap = maxMb * 1024 * 1024;
  const reached = () => (v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0) >= cap;
  let done = false;
  let timer: NodeJS.Timeout | null = null;
  const stop = () => {
    done = true;
    if (timer) clearInterval(timer);
    timer = null;
  };
  const check = () => {
    if (done || !reached()) return;
    holdYoungGeneration();
    stop();
  };
  releaseYoungGeneration();
  check();
  if (!done) {
    timer = setInterval(check, everyMs);
    timer.unref();
  }
  return { check, stop };
}
