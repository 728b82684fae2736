/**
 * The user's worker module of the prefetch e2e page: functions exposed to
 * prefetched pipelines, some of which misbehave on purpose (throw, kill their
 * own worker, block).
 */
import { exposeFunctions, writesInto } from '../../src/worker.js';

/** Blocks this worker for `ms` (workers may block; needs shared memory, so isolated pages only). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Ends this worker from inside, mid-element: `close()` stops it once the
 * current task ends, and the promise that never settles keeps the element
 * from ever being written. The page sees only its Web Lock being released.
 */
function die(): Promise<never> {
  self.close();
  return new Promise<never>(() => {});
}

export const functions = {
  /** A Float32Array of `floats` values, all equal to `i`. */
  filled: (i: number, floats: number) => new Float32Array(floats).fill(i),
  /** Half-precision values (Chromium has Float16Array since 135), alone or inside an object. */
  half: (i: number, tree: boolean) => {
    const h = new Float16Array([i, i + 0.5, -i, 65504]);
    return tree ? { i, h } : h;
  },
  /**
   * A writer: 64 floats equal to `i`, except the last, which says where it was
   * written: 1 straight into shared memory (the ring slot), 0 into a fresh array.
   */
  stamped: writesInto(Float32Array, () => 64, (i: number, out) => {
    out.fill(i);
    out[63] = typeof SharedArrayBuffer !== 'undefined' && out.buffer instanceof SharedArrayBuffer ? 1 : 0;
  }),
  /** Int32Array(16) filled with `i`, after a busy 0–3 ms (so workers finish out of order; no shared memory needed). */
  jittered: (i: number) => {
    for (const until = performance.now() + ((i * 7919) % 4); performance.now() < until; );
    return new Int32Array(16).fill(i);
  },
  /**
   * `jittered`, except that every element whose index is 3 modulo `every`
   * kills its worker the first time it is computed (`once` holds one flag per index).
   */
  jitteredDying: (i: number, every: number, once: Int32Array): Int32Array | Promise<never> => {
    if (i % every === 3 && Atomics.compareExchange(once, i, 0, 1) === 0) return die();
    return functions.jittered(i);
  },
  /** Throws a RangeError on element `bad`. */
  failOn: (i: number, bad: number) => {
    if (i === bad) throw new RangeError(`element ${i} is bad`);
    return new Float32Array(4).fill(i);
  },
  sleepThen: (i: number, ms: number) => {
    sleep(ms);
    return new Int32Array(4).fill(i);
  },
  /**
   * Kills its own worker while computing element `victim`, the first `times`
   * times (counted in the shared `deaths` array, shared by every worker).
   */
  dieOn: (i: number, victim: number, deaths: Int32Array, times: number): Int32Array | Promise<never> => {
    if (i === victim && Atomics.add(deaths, 0, 1) < times) return die();
    return new Int32Array(4).fill(i);
  },
  /** As onWorkerStart: ends the worker from inside while it starts (no error event, no exit event). */
  closeWhileStarting: (): Promise<never> => die(),
};

exposeFunctions(functions);
