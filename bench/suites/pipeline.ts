/**
 * An image pipeline end to end: uint8 224×224×3 source images held in ONE
 * shared typed array (so they reach workers without copying), cycled to n
 * elements, normalized by the WebAssembly kernel in 2 prefetch workers
 * (writing straight into ring slots), read with `for await` (leased views) on
 * the main thread. Compared, in the same run, with the same pipeline read on
 * the main thread without prefetch (the kernel called here, one thread).
 *
 * Measured three ways with prefetch, in the same rounds: with the source
 * images in a plain SharedArrayBuffer (each worker copies every image into
 * its WebAssembly memory before the kernel runs); with the same images in a
 * SharedStore given to prefetch (`{ store }`: the ring lives in the store's
 * memory, and the kernel reads each image where it is); and in batches of
 * BATCH images (`batch(smap(kernel, images), BATCH)`, plain
 * SharedArrayBuffer sources), each group read whole, its images views of one
 * slot; and the same groups with each image's label beside it
 * (`batch(collate([smap(kernel, images), labels]), BATCH)`), as a model
 * being trained reads them.
 *
 * What is timed: one full pass after warm-up. For the prefetch, warm-up reads
 * the last element (starting the workers and sizing the ring, leaving nothing
 * else in the window) and waits 100 ms; the pass then starts with a jump to 0,
 * so no element of it was computed before the clock started. For the main
 * thread, warm-up is 20 uncounted elements. The warm-up leaves the workers'
 * own code cold: V8 compiles it during the pass (new workers, new isolates).
 * So the plain-SharedArrayBuffer prefetch is also timed over a second full
 * pass right after the first, reported on its own: what a prefetch reused
 * for several passes delivers. Every output is checked at a few
 * positions against src/kernels/reference.ts, and every 256th in full, so the
 * figures measure real work. Rounds are interleaved, medians reported.
 */
import { SharedStore, arange, batch, collate, cycle, prefetch, seq, smap, type PrefetchedSeq } from '../../src/index.js';
import { loadKernels, normalize, type ImageLike } from '../../src/kernels.js';
import { normalize as normalizeReference } from '../../src/kernels/reference.js';
import { CHANNELS, HEIGHT, NORMALIZE as OPTIONS, S, WIDTH, sharedImages } from '../image-sources.js';
import { passSize } from '../pass-size.js';

type Report = (name: string, value: number, unit: string) => void;

const IMAGES = 64;
const ROUNDS = 3;
const PASS_SECONDS = 1.5;
/** Images per group in the batched variant, and groups its window holds. */
const BATCH = 16;
const BATCH_WINDOW = 2;
/** Positions checked in every output (spread over the three planes). */
const PROBES = [0, 1, 777, S / 3 + 5, (2 * S) / 3 + 11, S - 1];

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}


type Output = ImageLike<Float32Array>;

/** Throws unless `out` is image `i`'s normalization (probes always; everything every 256th element). */
function check(out: Output, i: number, expected: Float32Array[]): void {
  const want = expected[i % IMAGES];
  if (out.width !== WIDTH || out.height !== HEIGHT || out.data.length !== S) {
    throw new Error(`bench pipeline: element ${i} has shape ${out.width}×${out.height}, ${out.data.length} values`);
  }
  const all = i % 256 === 0;
  const n = all ? S : PROBES.length;
  for (let k = 0; k < n; k++) {
    const at = all ? k : PROBES[k];
    if (Math.abs(out.data[at] - want[at]) > 1e-6) {
      throw new Error(`bench pipeline: element ${i} value ${at} is ${out.data[at]}, the reference says ${want[at]}`);
    }
  }
}

export async function run(report: Report): Promise<void> {
  if (!crossOriginIsolated) throw new Error('bench pipeline: the page is not cross-origin isolated');
  await loadKernels();
  const seed = 4242;
  console.log(`bench pipeline: ${IMAGES} random ${WIDTH}×${HEIGHT}×${CHANNELS} images in one SharedArrayBuffer (mulberry32 seed ${seed})`);
  const images = sharedImages(IMAGES, seed);
  // The same pixels again, in a SharedStore.
  const store = new SharedStore(S * IMAGES);
  const stored: ImageLike<Uint8Array>[] = images.map((image) => {
    const data = store.alloc(Uint8Array, S);
    data.set(image.data);
    return { ...image, data };
  });
  const expected = images.map((image) => normalizeReference(image, OPTIONS).data);
  const kernel = normalize(OPTIONS);
  const pipeline = (n: number, from = images) => smap(kernel, cycle(seq(from), n));

  /**
   * Images/s of `passes` full passes over `p` (n images, `per` to an element), after the warm-up
   * described above; closes `p`. `read` checks element `e`, whose first image is image `i`, and
   * returns how many images it holds.
   */
  const timed = async <E>(p: PrefetchedSeq<E>, n: number, passes: number, per: number, read: (e: E, i: number) => number): Promise<number[]> => {
    try {
      if (p.transport !== 'shared') console.warn(`bench pipeline: transport is ${p.transport}, not shared`);
      read(await p.get(p.length - 1), (p.length - 1) * per);
      await pause(100);
      const rates: number[] = [];
      for (let pass = 0; pass < passes; pass++) {
        let i = 0;
        const start = performance.now();
        for await (const e of p) i += read(e, i);
        const seconds = (performance.now() - start) / 1000;
        if (i !== n) throw new Error(`bench pipeline: a pass read ${i} of ${n} images`);
        rates.push(n / seconds);
      }
      return rates;
    } finally {
      await p.close();
    }
  };
  /** Images/s of `passes` full passes over one new prefetch, each timed alone. */
  const prefetched = (n: number, inStore = false, passes = 1): Promise<number[]> => {
    const options = { workers: 2, maxBuffered: 16, store: inStore ? store : undefined };
    const p: PrefetchedSeq<Output> = prefetch(pipeline(n, inStore ? stored : images), options);
    return timed(p, n, passes, 1, (out, i) => (check(out, i, expected), 1));
  };
  /** Images/s of one full pass over a new prefetch of the pipeline in groups of BATCH. */
  const batched = async (n: number): Promise<number> => {
    const p = prefetch(batch(pipeline(n), BATCH), { workers: 2, maxBuffered: BATCH_WINDOW });
    const read = (group: Output[], i: number) => {
      for (let j = 0; j < group.length; j++) check(group[j]!, i + j, expected);
      return group.length;
    };
    return (await timed(p, n, 1, BATCH, read))[0]!;
  };
  /** The same, each image with its label (its index) beside it. */
  const labelled = async (n: number): Promise<number> => {
    const p = prefetch(batch(collate([pipeline(n), arange(n)]), BATCH), { workers: 2, maxBuffered: BATCH_WINDOW });
    const read = (group: [Output, number][], i: number) => {
      for (let j = 0; j < group.length; j++) {
        const [image, label] = group[j]!;
        if (label !== i + j) throw new Error(`bench pipeline: image ${i + j} came with label ${label}`);
        check(image, i + j, expected);
      }
      return group.length;
    };
    return (await timed(p, n, 1, BATCH, read))[0]!;
  };
  const mainThread = (n: number): number => {
    const s = pipeline(n + 20);
    for (let i = 0; i < 20; i++) check(s.get(n + i), n + i, expected);
    const start = performance.now();
    for (let i = 0; i < n; i++) check(s.get(i), i, expected);
    return n / ((performance.now() - start) / 1000);
  };

  // Calibration (not reported): n for about PASS_SECONDS per pass.
  const nPrefetch = await passSize(async (n) => (await prefetched(n))[0], { guess: 400, seconds: PASS_SECONDS, min: 200 });
  const nMain = await passSize(mainThread, { guess: 100, seconds: PASS_SECONDS, min: 200 });
  console.log(`bench pipeline: n = ${nPrefetch} (prefetch), ${nMain} (main thread) for ~${PASS_SECONDS} s passes`);
  const rates = { seqring: [] as number[], second: [] as number[], store: [] as number[], batched: [] as number[], labelled: [] as number[], main: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const [first, second] = await prefetched(nPrefetch, false, 2);
    rates.seqring.push(first);
    rates.second.push(second);
    rates.store.push((await prefetched(nPrefetch, true))[0]);
    rates.batched.push(await batched(nPrefetch));
    rates.labelled.push(await labelled(nPrefetch));
    rates.main.push(mainThread(nMain));
    console.log(
      `bench pipeline: round ${round + 1}/${ROUNDS}: prefetch ${first.toFixed(0)} images/s over ${(nPrefetch / first).toFixed(2)} s ` +
        `(a second pass ${second.toFixed(0)}), ` +
        `from a SharedStore ${rates.store.at(-1)!.toFixed(0)} images/s, in batches of ${BATCH} ${rates.batched.at(-1)!.toFixed(0)} images/s, ` +
        `with labels ${rates.labelled.at(-1)!.toFixed(0)} images/s, main thread ${rates.main.at(-1)!.toFixed(0)} images/s`,
    );
    await pause(0);
  }
  const what = 'images/s, uint8 224×224×3 → normalize → float32 CHW';
  const unit = `${what}, one full pass after warm-up`;
  report('pipeline.image.seqring_per_s', median(rates.seqring), `${unit}, prefetch 2 workers, maxBuffered 16, for await, sources in a SharedArrayBuffer (median of ${ROUNDS})`);
  report(
    'pipeline.image.seqring_second_pass_per_s',
    median(rates.second),
    `${what}, a second full pass over the same prefetch right after the first (its workers' code compiled by then; median of ${ROUNDS}, same rounds)`,
  );
  report(
    'pipeline.image.seqring_store_per_s',
    median(rates.store),
    `${unit}, the same with the sources in a SharedStore and prefetch({ store }): read in place (median of ${ROUNDS}, same rounds)`,
  );
  report(
    'pipeline.image.seqring_batch_per_s',
    median(rates.batched),
    `${unit}, the same in batches: batch(…, ${BATCH}), maxBuffered ${BATCH_WINDOW}, each group read whole with for await (median of ${ROUNDS}, same rounds)`,
  );
  report(
    'pipeline.image.seqring_labelled_batch_per_s',
    median(rates.labelled),
    `${unit}, the same batches with each image's label: batch(collate([…, labels]), ${BATCH}), maxBuffered ${BATCH_WINDOW} (median of ${ROUNDS}, same rounds)`,
  );
  report('pipeline.image.main_thread_per_s', median(rates.main), `${unit}, kernel on the main thread, no prefetch (median of ${ROUNDS})`);
}
