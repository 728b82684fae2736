/**
 * Comlink baseline for the prefetch benchmark: a pool of Comlink workers
 * answering `get(i)` round-robin, a fixed number of calls in flight, results
 * read in index order and checked, so the figure measures real delivery of
 * every element to the main thread.
 */
import * as Comlink from 'comlink';
import type { ComlinkBaselineWorker } from './comlink-worker.js';

export interface ComlinkThroughputOptions {
  /** How many elements to read (indexes 0 … n-1). */
  n: number;
  /** float32 values per element. */
  floats: number;
  /** Calls outstanding at once (the read-ahead window). */
  inFlight?: number;
  /** Worker count; element i goes to worker i % workers. */
  workers?: number;
  /** Transfer each element's buffer instead of structured-cloning it. */
  transfer: boolean;
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`comlinkThroughput: ${name} must be an integer >= 1, got ${String(value)}`);
  }
}

/**
 * Reads `n` elements through Comlink workers and returns elements per second.
 * Worker start-up is excluded: each worker answers one call before timing starts.
 *
 * @example
 * const perSecond = await comlinkThroughput({ n: 1000, floats: 784, transfer: true });
 */
export async function comlinkThroughput({
  n,
  floats,
  inFlight = 8,
  workers = 2,
  transfer,
}: ComlinkThroughputOptions): Promise<number> {
  checkCount('n', n);
  checkCount('floats', floats);
  checkCount('inFlight', inFlight);
  checkCount('workers', workers);
  if (floats > 2 ** 24 || n > 2 ** 24) {
    // Beyond 2^24, float32 cannot hold every index exactly, so the check below would lie.
    throw new RangeError(`comlinkThroughput: n and floats must be <= 2^24, got n=${n}, floats=${floats}`);
  }
  const threads = Array.from(
    { length: workers },
    () => new Worker(new URL('./comlink-worker.ts', import.meta.url), { type: 'module' }),
  );
  const remotes = threads.map((thread) => Comlink.wrap<ComlinkBaselineWorker>(thread));
  try {
    await Promise.all(remotes.map((remote) => remote.get(0, 1, false)));
    const pending = new Map<number, Promise<Float32Array>>();
    const request = (i: number): void => {
      pending.set(i, remotes[i % workers].get(i, floats, transfer));
    };
    const start = performance.now();
    for (let i = 0; i < Math.min(inFlight, n); i++) request(i);
    for (let i = 0; i < n; i++) {
      const element = await pending.get(i)!;
      pending.delete(i);
      if (element.length !== floats || element[0] !== i || element[floats - 1] !== i) {
        throw new Error(`comlinkThroughput: element ${i} arrived wrong (length ${element.length}, first ${element[0]})`);
      }
      if (i + inFlight < n) request(i + inFlight);
    }
    const seconds = (performance.now() - start) / 1000;
    return n / seconds;
  } finally {
    for (const remote of remotes) remote[Comlink.releaseProxy]();
    for (const thread of threads) thread.terminate();
  }
}
