/**
 * Batches of kernel outputs in prefetch workers (`batch(smap(kernel, images), k)`):
 * the kernel writes each image of a group into the ring slot where the
 * group's tree puts it, and every group is what the main thread makes of it.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SharedStore, arange, batch, prefetch, repeat, seq, smap, type PrefetchedSeq, type Seq } from '../../src/index.js';
import { alignUp, ringPages, PAGE_BYTES } from '../../src/ring/layout.js';
import { loadKernels, normalize, resizeBilinear } from '../../src/kernels.js';
import * as reference from '../../src/kernels/reference.js';
import type { ImageLike } from '../../src/kernels/types.js';
import { fixtureFunctions, seedFromEnv } from '../helpers/workers.js';
import { assertSameImage, imagesInAStore, randomImages } from '../kernels/helpers.js';
import { assertFailsAsOnMainThread, mainThreadError } from '../helpers/errors.js';

const T = { timeout: 60_000 };
const OPTIONS = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

type Image = ImageLike<Float32Array>;

/** Throws unless `got` is `want` image for image: shapes, layouts and every value. */
function assertSameGroup(got: readonly ImageLike[], want: readonly ImageLike[], what: string): void {
  assert.equal(got.length, want.length, `${what}: group size`);
  got.forEach((image, j) => assertSameImage(image, want[j]!, `${what}, image ${j}`));
}

/**
 * Reads every group of `p` (`n` images in groups of `k`) with `for await`:
 * image `i` against the reference normalization of `source(i)`, every 97th value.
 */
async function assertNormalizedGroups(p: PrefetchedSeq<Image[]>, k: number, n: number, source: (i: number) => ImageLike<Uint8Array>): Promise<void> {
  let b = 0;
  for await (const group of p) {
    assert.equal(group.length, Math.min(k, n - b * k));
    group.forEach((out, j) => {
      const want = reference.normalize(source(b * k + j), OPTIONS).data;
      for (let q = 0; q < want.length; q += 97) {
        if (Math.abs(out.data[q]! - want[q]!) > 1e-6) assert.fail(`group ${b} image ${j} value ${q}: ${out.data[q]} vs ${want[q]}`);
      }
    });
    b++;
  }
  assert.equal(b, Math.ceil(n / k));
}

/**
 * `n` random w×h RGB images in a new SharedStore, normalized in groups of `k`
 * by prefetch workers with `{ store }`, every group checked: the pages the
 * store grew by, and the pages of the ring alone.
 */
async function groupsFromAStore(
  w: number, h: number, n: number, k: number,
  options: { workers: number; maxBuffered: number; slotBytes: number },
): Promise<{ grown: number; ring: number }> {
  const { store, images } = imagesInAStore(n, w, h);
  const before = store.memory.buffer.byteLength;
  const p = prefetch(batch(smap(normalize(OPTIONS), seq(images)), k), { ...options, store });
  try {
    assert.equal(p.transport, 'shared');
    await assertNormalizedGroups(p, k, n, (i) => images[i]!);
  } finally {
    await p.close();
  }
  const grown = (store.memory.buffer.byteLength - before) / PAGE_BYTES;
  return { grown, ring: ringPages({ slotCount: options.maxBuffered + 1, slotBytes: alignUp(options.slotBytes) }) };
}

/** Every group of `p` against the main thread's evaluation of `groups`. */
async function assertLikeMainThread(groups: Seq<ImageLike[]>, options: Parameters<typeof prefetch>[1], what: string): Promise<void> {
  const p = prefetch(groups, options);
  try {
    assert.equal(p.length, groups.length);
    let b = 0;
    for await (const group of p) assertSameGroup(group, groups.get(b), `${what}, group ${b++}`);
    assert.equal(b, groups.length);
  } finally {
    await p.close();
  }
}

describe('batches of kernel outputs in prefetch workers', () => {
  test('each image of a group is written in the slot: sources in a SharedStore grow it by the ring and a page of params per worker only', T, async () => {
    await loadKernels();
    const [w, h, n, k, workers, maxBuffered] = [224, 224, 10, 4, 2, 2];
    const { grown, ring } = await groupsFromAStore(w, h, n, k, { workers, maxBuffered, slotBytes: k * w * h * 3 * 4 + 4096 });
    // An output made in scratch and then copied into the slot takes ceil(602112 / 64 KiB) = 10
    // more pages in each worker.
    assert.ok(grown >= ring + 1 && grown <= ring + workers, `the store grew by ${grown} pages: the ring's ${ring} and params (no outputs in scratch)`);
  });

  test('a slot with little room past the images\' data (an exact slotBytes) still takes the group in place', T, async () => {
    await loadKernels();
    // One worker: its scratch is one page of params, or two with an output made in scratch (110,592 bytes).
    const [w, h, n, k, workers, maxBuffered] = [96, 96, 16, 8, 1, 1];
    // The data, and 1 KiB for the description of 8 images (about 90 bytes each).
    const { grown, ring } = await groupsFromAStore(w, h, n, k, { workers, maxBuffered, slotBytes: k * w * h * 3 * 4 + 1024 });
    assert.ok(grown <= ring + 1, `the store grew by ${grown} pages: the ring's ${ring} and params (no outputs in scratch)`);
  });

  test('after an async step (a decode), each group is written in the slot once its images settle', T, async () => {
    await loadKernels();
    const { fns } = fixtureFunctions();
    const [w, h, n, k, workers, maxBuffered] = [224, 224, 7, 3, 2, 2];
    const store = new SharedStore(1);
    const before = store.memory.buffer.byteLength;
    const slotBytes = k * w * h * 3 * 4 + 4096;
    const decoded = smap(fns.asyncImage, arange(n), repeat(w), repeat(h));
    const p = prefetch(batch(smap(normalize(OPTIONS), decoded), k), { workers, maxBuffered, slotBytes, store });
    try {
      await assertNormalizedGroups(p, k, n, (i) => {
        const data = new Uint8Array(w * h * 3);
        for (let q = 0; q < data.length; q++) data[q] = (q * 31 + i * 17) % 256; // the fixture's pixels
        return { data, width: w, height: h, channels: 3 };
      });
    } finally {
      await p.close();
    }
    const grown = (store.memory.buffer.byteLength - before) / PAGE_BYTES;
    const ring = ringPages({ slotCount: maxBuffered + 1, slotBytes: alignUp(slotBytes) });
    // Scratch for the params and the copied input: ceil(150528 / 64 KiB) = 3 pages a worker. An
    // output made in scratch too would take 12.
    assert.ok(grown <= ring + 3 * workers, `the store grew by ${grown} pages: the ring's ${ring}, params and input copies (no outputs in scratch)`);
  });

  test('every group is the main thread\'s: full groups, a short last one, dropLast, a padded last one, shapes changing between groups, and uint8 images with gaps between them', T, async () => {
    await loadKernels();
    const images = randomImages(11, 12, 9, seedFromEnv());
    const mapped = smap(normalize(OPTIONS), seq(images));
    const pad: Image = { data: new Float32Array(3 * 12 * 9).fill(-1), width: 12, height: 9, channels: 3, layout: 'chw' };
    for (const maxBuffered of [1, 3]) {
      const options = { workers: 2, maxBuffered };
      await assertLikeMainThread(batch(mapped, 4), options, `k 4, maxBuffered ${maxBuffered}`);
      await assertLikeMainThread(batch(mapped, 4, { dropLast: true }), options, `dropLast, maxBuffered ${maxBuffered}`);
      await assertLikeMainThread(batch(mapped, 4, { pad }), options, `pad, maxBuffered ${maxBuffered}`);
      await assertLikeMainThread(batch(mapped, 1), options, `k 1, maxBuffered ${maxBuffered}`);
      await assertLikeMainThread(batch(mapped, 11), options, `one group, maxBuffered ${maxBuffered}`);
      // Groups of other shapes with as many values (12×9, then 9×12, then mixed): each with its own description.
      const shapes = [...randomImages(2, 12, 9, 1), ...randomImages(2, 9, 12, 2), ...randomImages(1, 12, 9, 3), ...randomImages(1, 9, 12, 4)];
      await assertLikeMainThread(batch(smap(normalize(OPTIONS), seq(shapes)), 2), options, `shapes changing between groups, maxBuffered ${maxBuffered}`);
      // uint8 outputs of 75 bytes: each image 16-byte aligned after the one before, with gaps.
      await assertLikeMainThread(batch(smap(resizeBilinear({ width: 5, height: 5 }), seq(images)), 4), options, `uint8 5×5×3, maxBuffered ${maxBuffered}`);
    }
  });

  test('a bad image fails its own group only, with the error the main thread gives for the image (its own index, the kernel named) as the cause', T, async () => {
    await loadKernels();
    const images: ImageLike<Uint8Array>[] = randomImages(12, 8, 8, 3);
    images[6] = { data: new Uint8Array(10), width: 8, height: 8, channels: 3 }; // too short
    const groups = batch(smap(normalize(OPTIONS), seq(images)), 4);
    const main = mainThreadError(groups, 1, 'group 1');
    const p = prefetch(groups, { workers: 2 });
    try {
      // Prefetch names the group (as for any element); its cause is the worker's error for the image.
      await assertFailsAsOnMainThread(p.get(1), { index: 1, causeIndex: 6, pattern: /normalize/, main });
      assertSameGroup(await p.get(2), groups.get(2), 'group 2');
      assertSameGroup(await p.get(0), groups.get(0), 'group 0');
    } finally {
      await p.close();
    }
  });

  test('a short last group read first sizes the slots for full groups: every group arrives as views of the ring', T, async () => {
    await loadKernels();
    const images = randomImages(10, 20, 10, seedFromEnv());
    const groups = batch(smap(normalize(OPTIONS), seq(images)), 4);
    const p = prefetch(groups, { workers: 2, maxBuffered: 2 });
    try {
      assertSameGroup(await p.get(-1), groups.get(2), 'group 2 (2 images), read first'); // it sizes the ring
      for (let b = 0; b < groups.length; b++) {
        const lease = await p.lease(b);
        assertSameGroup(lease.value, groups.get(b), `group ${b}`);
        // A group too big for its slot would come by message, as a copy.
        assert.ok(lease.value.every((image) => image.data.buffer instanceof SharedArrayBuffer), `group ${b} is in the ring`);
        lease.release();
      }
    } finally {
      await p.close();
    }
  });

  test('a batch with one group, shorter than k, sizes the slots for that group only', T, async () => {
    await loadKernels();
    // 3 images in batches of 1000: the one group is short, and there is no full group to make room for.
    const { store, images } = imagesInAStore(3, 32, 32);
    const before = store.memory.buffer.byteLength;
    const p = prefetch(batch(smap(normalize(OPTIONS), seq(images)), 1000), { workers: 2, maxBuffered: 2, store });
    try {
      assertSameGroup(await p.get(0), batch(smap(normalize(OPTIONS), seq(images)), 1000).get(0), 'the group');
    } finally {
      await p.close();
    }
    // A group is 3 × 12,288 bytes; slots for 1000 images would be 12 MB each.
    const grownBytes = store.memory.buffer.byteLength - before;
    assert.ok(grownBytes <= 16 * PAGE_BYTES, `the store grew by ${grownBytes} bytes`);
  });

  test('groups larger than a slot arrive intact and stay so: none of the group fits, only its first images do, or all but the description', T, async () => {
    await loadKernels();
    const images = randomImages(12, 16, 16, seedFromEnv());
    const imageBytes = 16 * 16 * 3 * 4;
    const groups = batch(smap(normalize(OPTIONS), seq(images)), 4);
    // Slots for two and a half images: the first two of each group are written in the slot before the
    // third does not fit; slots smaller than one image: none does; slots for the four images' data
    // but not their description: all are written, then copied out.
    for (const slotBytes of [Math.floor(2.5 * imageBytes), imageBytes >> 1, 4 * imageBytes + 64]) {
      const p = prefetch(groups, { workers: 2, maxBuffered: 1, slotBytes });
      try {
        // Values the caller owns: compared only after every group was read, so after the slots were
        // used again (the images that were in a slot must have been copied out of it).
        const got: Image[][] = [];
        for (let b = 0; b < groups.length; b++) got.push(await p.get(b));
        got.forEach((group, b) => assertSameGroup(group, groups.get(b), `slots of ${slotBytes} bytes, group ${b}`));
      } finally {
        await p.close();
      }
    }
  });
});
