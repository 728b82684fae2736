/**
 * The benchmark's worker module: the element functions the prefetch suite's
 * pipelines call, exposed the way a user's worker module would expose them.
 */
import { exposeFunctions, writesInto } from '../../src/worker.js';
import { KernelRuntime, kernelModules, normalize } from '../../src/kernels.js';

/** Blocks this worker for `ms` without using the CPU (workers may block). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** 5–10 ms, fixed per index (Knuth's multiplicative hash), so every run sleeps the same total (bench/suites/prefetch.ts repeats this formula). */
function sleepMs(i: number): number {
  return 5 + (((i * 2654435761) >>> 0) % 6);
}

/** The large element: 224 × 224 × 3 float32 (bench/suites/prefetch.ts `LARGE` is the same). */
const LARGE = 150528;

/**
 * How many times per second `make` runs, over about a second. `check` sees
 * the last result and its index, and throws if it is wrong; by default, it
 * must be a Float32Array(LARGE) filled with the index.
 */
function rate(make: (i: number) => Float32Array, check = (last: Float32Array, i: number) => last[0] === i && last[LARGE - 1] === i): number {
  let count = 0;
  let last: Float32Array | undefined;
  const start = performance.now();
  while (performance.now() - start < 1000) last = make(count++);
  const seconds = (performance.now() - start) / 1000;
  if (!check(last!, count - 1)) throw new Error('rate: the last result is wrong');
  return count / seconds;
}

export const functions = {
  /** A Float32Array of `floats` values, all equal to `i`. */
  filled: (i: number, floats: number) => new Float32Array(floats).fill(i),
  /**
   * `filled(i, LARGE)` as a writer: the same values, written straight into the
   * ring slot instead of into a fresh array that is then copied there.
   */
  largeInto: writesInto(Float32Array, () => LARGE, (i: number, out) => {
    out.fill(i);
  }),
  /**
   * Sleeps `sleepMs(i)` ms, then returns 4 int32 values: `i` three times, and
   * how many µs longer than asked the sleep blocked (timer slack and wake-up:
   * what the pass loses on this element before seqring does anything).
   */
  sleepy: (i: number) => {
    const start = performance.now();
    sleep(sleepMs(i));
    const overUs = Math.round((performance.now() - start - sleepMs(i)) * 1000);
    return Int32Array.of(i, i, i, overUs);
  },
  /**
   * Elements/s at which this worker alone makes `filled(i, LARGE)` for about
   * a second, nothing else (bench/suites/platform.ts). `_k` only tells the
   * probes apart.
   */
  freshArrayRate: (_k: number) => rate((i) => new Float32Array(LARGE).fill(i)),
  /** The same for what `largeInto` does: fill one Float32Array(LARGE) view of shared memory. */
  sharedFillRate: (_k: number) => {
    const out = new Float32Array(new SharedArrayBuffer(LARGE * 4));
    return rate((i) => out.fill(i));
  },
  /**
   * Images/s at which this worker alone runs the pipeline suite's kernel for
   * about a second, nothing else: `normalize` on uint8 224×224×3 images taken
   * in turn from `source` (copied into scratch first, as a prefetch worker
   * does with a plain SharedArrayBuffer source), written into 8 output slots
   * in turn (half of the pipeline's 16-slot ring). Checks its last output.
   */
  kernelRate: async (job: { source: Uint8Array; images: number; worker: number }) => {
    const kernel = normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    const size = 224 * 224 * 3;
    const slots = 8;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((slots * size * 4) / 65536), maximum: 4096, shared: true });
    const runtime = KernelRuntime.create(await kernelModules(), memory);
    const image = (i: number) => ({ data: job.source.subarray((i % job.images) * size, (i % job.images + 1) * size), width: 224, height: 224, channels: 3 });
    const offset = job.worker * 7; // the two workers start on different images
    return rate(
      (i) => runtime.runInto(kernel.kernelCall, image(offset + i), (i % slots) * size * 4).data as Float32Array,
      (last, i) => {
        const want = kernel(image(offset + i)).data as Float32Array;
        return last[0] === want[0] && last[size - 1] === want[size - 1];
      },
    );
  },
};

exposeFunctions(functions);
