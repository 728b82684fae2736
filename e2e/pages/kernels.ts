/**
 * The kernels e2e page: real photos decoded here (fetch, createImageBitmap,
 * OffscreenCanvas → RGBA ImageData), then the built-in wasm kernels run in
 * prefetch workers and on this thread, and are compared with the plain-JS
 * reference chain (src/kernels/reference.ts) computed here. Cases return
 * JSON for e2e/kernels.spec.ts through `window.runCase(name)`.
 */
import { EvaluationError, SharedStore, batch, collate, prefetch, remoteFunctions, seq, smap, type PrefetchedSeq } from '../../src/index.js';
import { PAGE_BYTES, alignUp, ringPages } from '../../src/ring/layout.js';
import { grayscale, loadKernels, normalize, resizeBilinear, stack } from '../../src/kernels.js';
import * as reference from '../../src/kernels/reference.js';
import type { ImageLike } from '../../src/kernels/types.js';
import { exposeCases } from './run-case.js';
import type { functions } from '../../test/fixtures/kernels.worker.js';

export const photos = ['astronaut.png', 'chelsea.png', 'rocket.jpg', 'camera.png'];
const size = { width: 224, height: 224 };
/** ImageNet statistics, plus a fourth channel: getImageData gives RGBA. */
const stats = { mean: [0.485, 0.456, 0.406, 0.5], std: [0.229, 0.224, 0.225, 0.25] };

type Rgba = ImageLike<Uint8ClampedArray>;

async function decode(name: string): Promise<Rgba> {
  const response = await fetch(`/data/photos/${name}`);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${name}`);
  const bitmap = await createImageBitmap(await response.blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
  return { data, width, height, channels: 4 };
}

/** What an output looked like next to the reference, as JSON. */
export interface Comparison {
  name: string;
  input: [number, number];
  shape: { width: number; height: number; channels: number | undefined; layout: string | undefined; length: number };
  wantLength: number;
  maxAbsDiff: number;
  /** Where the largest difference is (index into data), -1 when none. */
  worstAt: number;
  /** Whether the output data is a view into shared memory (the ring). */
  shared: boolean;
}

function compare(name: string, image: Rgba, out: ImageLike<Float32Array>): Comparison {
  const want = reference.normalize(reference.resizeBilinear(image, size), stats);
  let maxAbsDiff = 0;
  let worstAt = -1;
  const n = Math.max(out.data.length, want.data.length);
  for (let k = 0; k < n; k++) {
    const d = Math.abs((out.data[k] ?? Number.NaN) - (want.data[k] ?? Number.NaN));
    if (!(d <= maxAbsDiff)) {
      maxAbsDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
      worstAt = k;
      if (Number.isNaN(d)) break;
    }
  }
  return {
    name,
    input: [image.width, image.height],
    shape: { width: out.width, height: out.height, channels: out.channels, layout: out.layout, length: out.data.length },
    wantLength: want.data.length,
    maxAbsDiff,
    worstAt,
    shared: typeof SharedArrayBuffer !== 'undefined' && out.data.buffer instanceof SharedArrayBuffer,
  };
}

const pipeline = (images: readonly Rgba[]) => smap(normalize(stats), smap(resizeBilinear(size), seq(images)));

/** Every output of `p`, read in order with `for await`, next to the reference for the photo it came from. */
async function compareInOrder(p: PrefetchedSeq<unknown>, images: readonly Rgba[]): Promise<Comparison[]> {
  const out: Comparison[] = [];
  let i = 0;
  for await (const image of p) {
    out.push(compare(photos[i]!, images[i]!, image as ImageLike<Float32Array>));
    i++;
  }
  return out;
}

/** The photos decoded, and copied into a new SharedStore (kernels loaded). */
async function photosInAStore(): Promise<{ decoded: Rgba[]; store: SharedStore; images: Rgba[] }> {
  await loadKernels();
  const decoded = await Promise.all(photos.map(decode));
  const store = new SharedStore(decoded.reduce((n, image) => n + image.data.length, 0));
  const images = decoded.map((image) => {
    const data = store.alloc(Uint8ClampedArray, image.data.length);
    data.set(image.data);
    return { ...image, data };
  });
  return { decoded, store, images };
}

const cases = {
  /** Real photos through resize → normalize in two built-in workers, against the reference. */
  async photosInWorkers() {
    await loadKernels();
    const images = await Promise.all(photos.map(decode));
    const p = prefetch(pipeline(images), { workers: 2 });
    try {
      const viaLoop = await compareInOrder(p, images);
      // A second look at each, by lease.
      const viaLease: Comparison[] = [];
      for (let k = 0; k < images.length; k++) {
        const lease = await p.lease(k);
        viaLease.push(compare(photos[k]!, images[k]!, lease.value as ImageLike<Float32Array>));
        lease.release();
      }
      return { crossOriginIsolated, transport: p.transport, viaLoop, viaLease };
    } finally {
      await p.close();
    }
  },

  /**
   * The photos copied into a SharedStore and prefetched with `{ store }`: the
   * workers' kernels read them where they are. Returns the comparisons, and
   * how much the store grew next to what a ring and per-worker scratch without
   * input copies take (a copied 512×512 RGBA input alone is 16 pages).
   */
  async photosFromStore() {
    const { decoded, store, images } = await photosInAStore();
    const before = store.memory.buffer.byteLength;
    const slotBytes = 224 * 224 * 4 * 4 + 1024;
    const maxBuffered = 4;
    const p = prefetch(pipeline(images), { workers: 2, maxBuffered, slotBytes, store });
    try {
      const viaLoop = await compareInOrder(p, decoded);
      const grownPages = (store.memory.buffer.byteLength - before) / PAGE_BYTES;
      const ringPagesUsed = ringPages({ slotCount: maxBuffered + 1, slotBytes: alignUp(slotBytes) });
      return { transport: p.transport, viaLoop, grownPages, ringPages: ringPagesUsed };
    } finally {
      await p.close();
    }
  },

  /**
   * Five prefetches one after another on one store, each closed before the
   * next: how many pages the store grew by during each, next to a ring's.
   */
  async storeReusedAfterClose() {
    const { decoded, store, images } = await photosInAStore();
    const slotBytes = 224 * 224 * 4 * 4 + 1024;
    const maxBuffered = 4;
    const grown: number[] = [];
    const comparisons: Comparison[] = [];
    for (let k = 0; k < 5; k++) {
      const before = store.memory.buffer.byteLength;
      const p = prefetch(pipeline(images), { workers: 2, maxBuffered, slotBytes, store });
      comparisons.push(...(await compareInOrder(p, decoded)));
      await p.close();
      grown.push((store.memory.buffer.byteLength - before) / PAGE_BYTES);
    }
    return { grown, ringPages: ringPages({ slotCount: maxBuffered + 1, slotBytes: alignUp(slotBytes) }), comparisons };
  },

  /**
   * The photos in batches of 3 (a group of 3, then of 1) through the same
   * chain, the short last group read first (it sizes the ring): every group
   * read again by lease, each image against the reference, and whether it
   * is a view of the ring; and each group stacked into one array.
   */
  async photosInBatches() {
    await loadKernels();
    const images = await Promise.all(photos.map(decode));
    const p = prefetch(batch(pipeline(images), 3), { workers: 2, maxBuffered: 1 });
    try {
      const first = (await p.get(-1)).map((out, j) => compare(photos[3 + j]!, images[3 + j]!, out));
      const groups: Comparison[][] = [];
      /** Per group: whether stack() gave a view of the slot, and whether its values are the images' end to end. */
      const stacked: { view: boolean; same: boolean }[] = [];
      for (let b = 0; b < p.length; b++) {
        const lease = await p.lease(b);
        groups.push(lease.value.map((out, j) => compare(photos[3 * b + j]!, images[3 * b + j]!, out)));
        const tensor = stack(lease.value);
        const n = lease.value[0]!.data.length;
        stacked.push({
          view: tensor.buffer === lease.value[0]!.data.buffer,
          same: tensor.length === n * lease.value.length && lease.value.every((out, j) => out.data.every((x, k) => tensor[j * n + k] === x)),
        });
        lease.release();
      }
      return { transport: p.transport, first, groups, stacked };
    } finally {
      await p.close();
    }
  },

  /**
   * The photos (in a SharedStore) with their names as labels, in batches of 3
   * (`batch(collate([chain, names]), 3)`): each image against the reference
   * and its label, whether each group stacks into one view of the slot, and
   * the pages the store grew by next to the ring's (an output made in scratch
   * would add 13 pages a worker).
   */
  async labelledPhotosInBatches() {
    const { decoded, store, images } = await photosInAStore();
    const before = store.memory.buffer.byteLength;
    const slotBytes = 3 * (224 * 224 * 4 * 4) + 4096;
    const maxBuffered = 2;
    const p = prefetch(batch(collate([pipeline(images), seq(photos)]), 3), { workers: 2, maxBuffered, slotBytes, store });
    try {
      const groups: { comparison: Comparison; label: string }[][] = [];
      const stackedViews: boolean[] = [];
      let b = 0;
      for await (const group of p) {
        groups.push(group.map(([out, label], j) => ({ comparison: compare(photos[3 * b + j]!, decoded[3 * b + j]!, out), label })));
        const tensor = stack(group.map(([out]) => out));
        stackedViews.push(tensor.buffer === group[0]![0].data.buffer && tensor.byteOffset === group[0]![0].data.byteOffset);
        b++;
      }
      const grownPages = (store.memory.buffer.byteLength - before) / PAGE_BYTES;
      return { transport: p.transport, groups, stackedViews, grownPages, ringPages: ringPages({ slotCount: maxBuffered + 1, slotBytes: alignUp(slotBytes) }) };
    } finally {
      await p.close();
    }
  },

  /** The same chain called as plain functions on this thread. */
  async photosOnMainThread() {
    await loadKernels();
    const images = await Promise.all(photos.map(decode));
    const resize = resizeBilinear(size);
    const norm = normalize(stats);
    return images.map((image, i) => compare(photos[i]!, image, norm(resize(image)) as ImageLike<Float32Array>));
  },

  /**
   * A worker function of the user's that calls grayscale itself: the worker
   * has no loadKernels() of its own. Each output against the reference, and
   * against the same kernel called here.
   */
  async kernelCalledInWorkerFunction() {
    await loadKernels();
    const images = await Promise.all(photos.map(decode));
    // The Node tests' worker module (test/fixtures), as a module worker here.
    const fns = remoteFunctions<typeof functions>(() => new Worker(new URL('../../test/fixtures/kernels.worker.ts', import.meta.url), { type: 'module' }));
    const p = prefetch(smap(fns.grayWithMean, seq(images)), { workers: 2 });
    try {
      const out = [];
      for (let i = 0; i < images.length; i++) {
        const got = await p.get(i);
        const want = reference.grayscale(images[i]!);
        const here = grayscale()(images[i]!);
        let differences = 0;
        for (let k = 0; k < want.data.length; k++) if (got.data[k] !== want.data[k] || here.data[k] !== want.data[k]) differences++;
        out.push({ name: photos[i]!, shape: [got.width, got.height, got.data.length], want: [want.width, want.height, want.data.length], differences });
      }
      return { transport: p.transport, out };
    } finally {
      await p.close();
    }
  },

  /** Bad images (zero width, wrong data length) fail only their own elements. */
  async badImages() {
    await loadKernels();
    const [good] = await Promise.all([decode('chelsea.png')]);
    const zeroWidth: Rgba = { data: new Uint8ClampedArray(0), width: 0, height: 10, channels: 4 };
    const shortData: Rgba = { data: new Uint8ClampedArray(10), width: 8, height: 8, channels: 4 };
    const images = [good!, zeroWidth, good!, shortData, good!];
    const p = prefetch(pipeline(images), { workers: 2 });
    try {
      const outcomes = [];
      // Read the good first element first: the bad ones then fail inside ring slots.
      for (const i of [0, 1, 2, 3, 4]) {
        try {
          const out = (await p.get(i)) as ImageLike<Float32Array>;
          outcomes.push({ i, ok: true as const, comparison: compare(`element ${i}`, images[i] as Rgba, out) });
        } catch (e) {
          const error = e as Error;
          outcomes.push({
            i,
            ok: false as const,
            name: error.name,
            index: e instanceof EvaluationError ? e.index : null,
            message: error.message,
          });
        }
      }
      return outcomes;
    } finally {
      await p.close();
    }
  },
};

export type KernelCases = typeof cases;

exposeCases(cases);
