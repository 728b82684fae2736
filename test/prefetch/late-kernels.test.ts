/**
 * Kernel outputs inside larger elements (`collate([smap(kernel, images),
 * labels])`, groups of such pairs, and other steps that pass values along):
 * in prefetch workers the kernel writes each output straight into its place
 * in the ring slot (src/workers/late.ts), and every element is what the main
 * thread makes of it.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  SharedStore, arange, batch, collate, concatenate, cycle, gather, interleave, prefetch, repeat, seq, smap, switchSeq,
  type PrefetchedSeq, type Seq,
} from '../../src/index.js';
import { alignUp, ringPages, PAGE_BYTES } from '../../src/ring/layout.js';
import { loadKernels, normalize, resizeBilinear, stack } from '../../src/kernels.js';
import * as reference from '../../src/kernels/reference.js';
import type { ImageLike } from '../../src/kernels/types.js';
import { fixtureFunctions, mulberry32, seedFromEnv } from '../helpers/workers.js';
import { assertSameImage, imagesInAStore, randomImages } from '../kernels/helpers.js';
import { assertFailsAsOnMainThread, mainThreadError } from '../helpers/errors.js';

const T = { timeout: 60_000 };
const OPTIONS = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

type Pair = [ImageLike<Float32Array>, number];

/** Throws unless `got` is `want`: images compared value for value, everything else deeply. */
function assertSameElement(got: unknown, want: unknown, what: string): void {
  if (want !== null && typeof want === 'object' && 'data' in want && ArrayBuffer.isView((want as ImageLike).data)) {
    assertSameImage(got as ImageLike, want as ImageLike, what);
    return;
  }
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), `${what}: an array`);
    assert.equal(got.length, want.length, `${what}: length`);
    want.forEach((w, k) => assertSameElement(got[k], w, `${what}[${k}]`));
    return;
  }
  assert.deepEqual(got, want, what);
}

/** Every element of `p` (read in order, then at random) against the main thread's evaluation of `s`. */
async function assertLikeMainThread(s: Seq<unknown>, p: PrefetchedSeq<unknown>, what: string, seed: number): Promise<void> {
  try {
    assert.equal(p.length, s.length);
    let i = 0;
    for await (const e of p) assertSameElement(e, s.get(i), `${what}, element ${i++}`);
    assert.equal(i, s.length);
    const random = mulberry32(seed);
    for (let r = 0; r < 8; r++) {
      const j = Math.floor(random() * s.length);
      assertSameElement(await p.get(j), s.get(j), `${what}, element ${j} read again`);
    }
  } finally {
    await p.close();
  }
}

/**
 * Pages a new SharedStore of `n` random w×h images grew by while `make(images)`
 * was prefetched with `{ store }` and read whole (each element checked with
 * `check`), and the pages of the ring alone.
 */
async function storeGrowth(
  w: number, h: number, n: number, options: { workers: number; maxBuffered: number; slotBytes: number },
  make: (images: Seq<ImageLike<Uint8Array>>) => Seq<unknown>,
  check: (element: unknown, i: number, images: readonly ImageLike<Uint8Array>[]) => void,
): Promise<{ grown: number; ring: number }> {
  const { store, images } = imagesInAStore(n, w, h);
  const before = store.memory.buffer.byteLength;
  const p = prefetch(make(seq(images)), { ...options, store });
  try {
    assert.equal(p.transport, 'shared');
    let i = 0;
    for await (const e of p) check(e, i++, images);
    assert.equal(i, p.length);
  } finally {
    await p.close();
  }
  const grown = (store.memory.buffer.byteLength - before) / PAGE_BYTES;
  return { grown, ring: ringPages({ slotCount: options.maxBuffered + 1, slotBytes: alignUp(options.slotBytes) }) };
}

/** Throws unless `image` is the reference normalization of `source` (every 97th value) and a view of the ring. */
function assertNormalized(image: ImageLike, source: ImageLike<Uint8Array>, what: string): void {
  assert.ok(image.data.buffer instanceof SharedArrayBuffer, `${what} is a view of the ring`);
  const want = reference.normalize(source, OPTIONS).data;
  assert.equal(image.data.length, want.length, `${what}: length`);
  for (let q = 0; q < want.length; q += 97) {
    if (Math.abs(image.data[q]! - want[q]!) > 1e-6) assert.fail(`${what} value ${q}: ${image.data[q]} vs ${want[q]}`);
  }
}

describe('kernel outputs inside larger elements, in prefetch workers', () => {
  test('images with their labels (collate): each image is written in the slot, so the store grows by the ring and a page of params per worker only', T, async () => {
    await loadKernels();
    const [w, h, n, workers, maxBuffered] = [224, 224, 10, 2, 3];
    const { grown, ring } = await storeGrowth(
      w, h, n, { workers, maxBuffered, slotBytes: w * h * 3 * 4 + 1024 },
      (images) => collate([smap(normalize(OPTIONS), images), arange(100, 100 + n)]),
      (e, i, images) => {
        const [image, label] = e as Pair;
        assertNormalized(image, images[i]!, `element ${i}'s image`);
        assert.equal(label, 100 + i);
      },
    );
    // An output made in scratch and then copied into the slot takes ceil(602112 / 64 KiB) = 10 more pages in each worker.
    assert.ok(grown >= ring + 1 && grown <= ring + workers, `the store grew by ${grown} pages: the ring's ${ring} and params (no outputs in scratch)`);
  });

  test('groups of images with their labels (batch of collate): each image is written in the slot', T, async () => {
    await loadKernels();
    const [w, h, n, k, workers, maxBuffered] = [224, 224, 10, 4, 2, 2];
    const { grown, ring } = await storeGrowth(
      w, h, n, { workers, maxBuffered, slotBytes: k * (w * h * 3 * 4 + 64) + 4096 },
      (images) => batch(collate([smap(normalize(OPTIONS), images), arange(n)]), k),
      (e, b, images) => {
        const group = e as Pair[];
        assert.equal(group.length, Math.min(k, n - b * k));
        group.forEach(([image, label], j) => {
          assertNormalized(image, images[b * k + j]!, `group ${b} image ${j}`);
          assert.equal(label, b * k + j);
        });
        // The images lie back to back in the slot (the labels ride in its description): one N×C×H×W view.
        const stacked = stack(group.map(([image]) => image));
        assert.equal(stacked.buffer, group[0]![0].data.buffer, `group ${b}: stack is a view of the slot`);
        assert.equal(stacked.byteOffset, group[0]![0].data.byteOffset, `group ${b}: stack starts at the first image`);
        assert.equal(stacked.length, group.length * w * h * 3);
      },
    );
    assert.ok(grown >= ring + 1 && grown <= ring + workers, `the store grew by ${grown} pages: the ring's ${ring} and params (no outputs in scratch)`);
  });

  test('every element is the main thread\'s, through collate, batch (short, dropLast, padded), concatenate, gather, cycle, interleave and switchSeq', T, async () => {
    await loadKernels();
    const seed = seedFromEnv();
    const images = seq(randomImages(11, 12, 9, seed));
    const toModel = smap(normalize(OPTIONS), images);
    const small = smap(resizeBilinear({ width: 5, height: 5 }), images); // uint8 outputs of 75 bytes: gaps between leaves
    const labels = arange(11);
    const pad: Pair = [{ data: new Float32Array(3 * 12 * 9).fill(-1), width: 12, height: 9, channels: 3, layout: 'chw' }, -1];
    const pipelines: [string, Seq<unknown>][] = [
      ['collate', collate([toModel, labels, small])],
      ['batch of collate', batch(collate([toModel, labels]), 4)],
      ['batch of collate, dropLast', batch(collate([toModel, labels]), 4, { dropLast: true })],
      ['batch of collate, padded', batch(collate([toModel, labels]), 4, { pad })],
      ['concatenate', concatenate([toModel, small])],
      ['gather with repeats', gather(collate([toModel, labels]), [3, 3, 0, 10, 3])],
      ['cycle', cycle(collate([labels, toModel]), 25)],
      ['interleave', interleave(toModel, small)],
      ['switchSeq', switchSeq(cycle(seq([true, false, false]), 11), toModel, collate([small, labels]))],
    ];
    for (const maxBuffered of [1, 3]) {
      for (const [what, s] of pipelines) {
        await assertLikeMainThread(s, prefetch(s, { workers: 2, maxBuffered }), `${what}, maxBuffered ${maxBuffered}`, seed + maxBuffered);
      }
    }
  });

  test('elements larger than a slot arrive intact, their images computed for the message', T, async () => {
    await loadKernels();
    const seed = seedFromEnv();
    const images = seq(randomImages(9, 16, 16, seed));
    const s = batch(collate([smap(normalize(OPTIONS), images), arange(9)]), 3);
    const imageBytes = 16 * 16 * 3 * 4;
    // Sized by a first group of one image's worth... then a slot for 1.5 images: every group goes by message.
    for (const slotBytes of [Math.floor(1.5 * imageBytes), imageBytes >> 1]) {
      const p = prefetch(s, { workers: 2, maxBuffered: 1, slotBytes });
      const got: unknown[] = [];
      try {
        for (let b = 0; b < s.length; b++) got.push(await p.get(b));
      } finally {
        await p.close();
      }
      // Compared after every group was read: a group that were a view of a reused slot would have changed.
      got.forEach((g, b) => assertSameElement(g, s.get(b), `slots of ${slotBytes} bytes, group ${b}`));
    }
  });

  test('a bad image fails its own element only, with the main thread\'s error for it', T, async () => {
    await loadKernels();
    const sources: ImageLike<Uint8Array>[] = randomImages(8, 8, 8, 3);
    sources[5] = { data: new Uint8Array(10), width: 8, height: 8, channels: 3 }; // too short
    const pairs = collate([smap(normalize(OPTIONS), seq(sources)), arange(8)]);
    const main = mainThreadError(pairs, 5, 'element 5');
    const p = prefetch(pairs, { workers: 2, maxBuffered: 2 });
    try {
      // Prefetch names the element (as for any element); its cause is the worker's error, the main thread's.
      await assertFailsAsOnMainThread(p.get(5), { index: 5, causeIndex: 5, pattern: /normalize: image data has 10 values/, main });
      for (const i of [4, 6, 0]) assertSameElement(await p.get(i), pairs.get(i), `element ${i}`);
    } finally {
      await p.close();
    }
  });

  for (const k of [0, 3]) {
    const what = k === 0 ? 'images with their labels are' : `groups of ${k} images with their labels are`;
    test(`after an async step (a decode), ${what} written in the slot once decoded`, T, async () => {
      await loadKernels();
      const { fns } = fixtureFunctions();
      const [w, h, n, workers, maxBuffered] = [224, 224, 7, 2, 2];
      const store = new SharedStore(1);
      const before = store.memory.buffer.byteLength;
      const slotBytes = Math.max(1, k) * (w * h * 3 * 4 + 64) + 1024;
      const decoded = smap(fns.asyncImage, arange(n), repeat(w), repeat(h));
      const pairs = collate([smap(normalize(OPTIONS), decoded), arange(n)]);
      const expected = (i: number): ImageLike<Uint8Array> => {
        const data = new Uint8Array(w * h * 3);
        for (let q = 0; q < data.length; q++) data[q] = (q * 31 + i * 17) % 256; // the fixture's pixels
        return { data, width: w, height: h, channels: 3 };
      };
      const options = { workers, maxBuffered, slotBytes, store };
      const elements: PrefetchedSeq<unknown> = k === 0 ? prefetch(pairs, options) : prefetch(batch(pairs, k), options);
      try {
        let i = 0;
        for await (const element of elements) {
          // A group of pairs still holds the decode's promises in the worker: prefetch settles them (settle.ts).
          const group = (k === 0 ? [element] : element) as unknown as Pair[];
          for (const [image, label] of group) {
            assertNormalized(image, expected(i), `image ${i}`);
            assert.equal(label, i++);
          }
        }
        assert.equal(i, n);
      } finally {
        await elements.close();
      }
      const grown = (store.memory.buffer.byteLength - before) / PAGE_BYTES;
      const ring = ringPages({ slotCount: maxBuffered + 1, slotBytes: alignUp(slotBytes) });
      // Scratch for the params and the copied input: 3 pages a worker. An output made in scratch too would take 12.
      assert.ok(grown <= ring + 3 * workers, `the store grew by ${grown} pages: the ring's ${ring}, params and input copies (no outputs in scratch)`);
    });
  }
});
