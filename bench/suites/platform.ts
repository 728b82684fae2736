/**
 * What this machine allows, measured in the same page as the other suites,
 * so the prefetch figures can be read against it.
 *
 * Wake-up: a worker blocked in `Atomics.wait` is woken by `Atomics.notify`
 * from the page, after the worker has slept 0.1 ms (about the gap an idle
 * prefetch worker sleeps between batches of the small case). Reported: how long the notify call takes on
 * the page's thread, and how long until the worker runs again. A prefetch
 * worker that sleeps costs both once per batch, and the read-ahead window
 * must hold enough elements to cover them (prefetch.ts, small case).
 *
 * Bounds of the large case: two workers doing nothing but what its element
 * functions do, as fast as they can, with no transport at all. No way of
 * delivering those elements to the page can go faster. `filled` makes a new
 * Float32Array(150528) and fills it, which bounds
 * `prefetch.large.seqring_per_s` and `prefetch.large.comlink_transfer_per_s`;
 * `largeInto` fills a view of shared memory (the ring slot), which bounds
 * `prefetch.large.seqring_write_per_s`.
 *
 * Bound of the image pipeline: its two workers doing nothing but its kernel,
 * on the same kind of source and into as many output slots as its ring has,
 * with the page idle. The pipeline adds the ring protocol, the description of
 * each output, and the reader's thread on the same two cores.
 */
import { arange, prefetch, remoteFunctions, seq, smap } from '../../src/index.js';
import { kernelModules } from '../../src/kernels.js';
import type { functions } from '../workers/bench.worker.js';

type Report = (name: string, value: number, unit: string) => void;

const WAKES = 400;
/** How long the worker sleeps before each notify. */
const IDLE_MS = 0.1;

const fns = remoteFunctions<typeof functions>(
  () => new Worker(new URL('../workers/bench.worker.ts', import.meta.url), { type: 'module' }),
);

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.round((sorted.length - 1) * q)]!;
}

async function wakeUp(report: Report): Promise<void> {
  const buffer = new SharedArrayBuffer(32);
  const words = new Int32Array(buffer, 0, 4);
  const woke = new Float64Array(buffer, 16, 1);
  const worker = new Worker(new URL('../workers/wake.worker.ts', import.meta.url), { type: 'module' });
  const stopped = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => reject(new Error(`bench platform: wake probe worker failed: ${e.message}`));
  });
  worker.postMessage(buffer);
  const latency: number[] = [];
  const cost: number[] = [];
  try {
    for (let k = 0; k < WAKES + 20; k++) {
      const deadline = performance.now() + 5000;
      while (Atomics.load(words, 3) !== 1) {
        if (performance.now() > deadline) throw new Error('bench platform: the wake probe worker never waited');
        await pause(0);
      }
      await pause(0);
      for (const until = performance.now() + IDLE_MS; performance.now() < until;); // the worker sleeps this long
      const count = Atomics.load(words, 1);
      const before = performance.timeOrigin + performance.now();
      Atomics.add(words, 0, 1);
      Atomics.notify(words, 0);
      const after = performance.timeOrigin + performance.now();
      while (Atomics.load(words, 1) === count) {
        if (performance.now() > deadline) throw new Error('bench platform: the wake probe worker never woke');
      }
      if (k < 20) continue; // warm-up
      latency.push((woke[0]! - before) * 1000);
      cost.push((after - before) * 1000);
    }
  } finally {
    Atomics.store(words, 2, 1);
    Atomics.add(words, 0, 1);
    Atomics.notify(words, 0);
    await Promise.race([stopped, pause(2000)]);
    worker.terminate();
  }
  const unit = `µs, ${WAKES} wake-ups of a worker that slept ${IDLE_MS} ms (clock resolution 5 µs)`;
  report('platform.wake_latency_p50_us', quantile(latency, 0.5), `${unit}: notify on the page → the worker runs, median`);
  report('platform.wake_latency_p90_us', quantile(latency, 0.9), `${unit}: same, 90th percentile`);
  report('platform.notify_cost_p50_us', quantile(cost, 0.5), `${unit}: time the page's thread spends in Atomics.notify, median`);
}

/** Elements/s of `probe` in 2 workers at once (each runs about a second). */
async function inTwoWorkers(probe: typeof fns.freshArrayRate): Promise<number> {
  const workers = 2;
  const p = prefetch(smap(probe, arange(workers)), { workers, maxBuffered: workers });
  try {
    await Promise.all(Array.from({ length: workers }, (_, k) => p.get(k))); // warm-up: starts both workers
    const rates = await Promise.all(Array.from({ length: workers }, (_, k) => p.get(k)));
    return rates.reduce((a, b) => a + b, 0);
  } finally {
    await p.close();
  }
}

async function largeBounds(report: Report): Promise<void> {
  const what = 'elements/s, 2 workers each only';
  report(
    'platform.fresh_array_bound_per_s',
    await inTwoWorkers(fns.freshArrayRate),
    `${what} making new Float32Array(150528).fill(i) for 1 s at once, no transport: the most any transport can deliver of the large case's \`filled\``,
  );
  report(
    'platform.shared_fill_bound_per_s',
    await inTwoWorkers(fns.sharedFillRate),
    `${what} filling one Float32Array(150528) view of a SharedArrayBuffer for 1 s at once: the most the writer (\`largeInto\`) can deliver`,
  );
}

/**
 * The pipeline suite's bound: its 2 workers doing nothing but its kernel on
 * the same 64 shared source images, into 16 output slots between them.
 */
async function kernelBound(report: Report): Promise<void> {
  const images = 64;
  const source = new Uint8Array(new SharedArrayBuffer(224 * 224 * 3 * images));
  for (let k = 0; k < source.length; k++) source[k] = (k * 2654435761) >>> 24;
  const jobs = [0, 1].map((worker) => ({ source, images, worker }));
  await kernelModules(); // compiled once here, sent to the workers
  const p = prefetch(smap(fns.kernelRate, seq(jobs)), { workers: 2, maxBuffered: 2 });
  try {
    await Promise.all(jobs.map((_, k) => p.get(k))); // warm-up: starts both workers, tiers up
    const rates = await Promise.all(jobs.map((_, k) => p.get(k)));
    report(
      'platform.kernel_bound_per_s',
      rates.reduce((a, b) => a + b, 0),
      'images/s, 2 workers each only running the pipeline\'s normalize kernel for 1 s at once (64 shared uint8 224×224×3 sources copied into scratch, 8 output slots each), no ring: the most `pipeline.image.seqring_per_s` can reach',
    );
  } finally {
    await p.close();
  }
}

export async function run(report: Report): Promise<void> {
  await wakeUp(report);
  await largeBounds(report);
  await kernelBound(report);
}
