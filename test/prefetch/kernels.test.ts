/**
 * Kernels in prefetch workers: the kernel writes its output straight into the
 * ring slot, and the result equals the plain-JS reference.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { prefetch, seq, smap } from '../../src/index.js';
import { alignUp, ringPages, PAGE_BYTES } from '../../src/ring/layout.js';
import { loadKernels, normalize, resizeBilinear, toFloat32 } from '../../src/kernels.js';
import * as reference from '../../src/kernels/reference.js';
import type { ImageLike } from '../../src/kernels/types.js';
import { fixtureFunctions, mulberry32, seedFromEnv, tsWorker } from '../helpers/workers.js';
import { remoteFunctions } from '../../src/index.js';
import type { functions as kernelFunctions } from '../fixtures/kernels.worker.js';
import { arange } from '../../src/index.js';
import { imagesInAStore, randomImages } from '../kernels/helpers.js';

const T = { timeout: 60_000 };

describe('kernels in prefetch workers', () => {
  test('sources in a SharedStore are read in place by the workers\' kernels (the store grows by the ring and a page of params per worker only)', T, async () => {
    await loadKernels();
    const [w, h, n, workers, maxBuffered] = [224, 224, 12, 2, 4];
    const { store, images } = imagesInAStore(n, w, h);
    const before = store.memory.buffer.byteLength;
    const slotBytes = w * h * 3 * 4 + 1024;
    const options = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const p = prefetch(smap(normalize(options), seq(images)), { workers, maxBuffered, slotBytes, store });
    try {
      assert.equal(p.transport, 'shared');
      let i = 0;
      for await (const out of p) {
        assert.equal(out.data.buffer.byteLength >= before, true);
        const want = reference.normalize(images[i]!, options).data;
        for (let k = 0; k < want.length; k += 97) {
          if (Math.abs(out.data[k]! - want[k]!) > 1e-6) assert.fail(`image ${i} value ${k}: ${out.data[k]} vs ${want[k]}`);
        }
        i++;
      }
      assert.equal(i, n);
    } finally {
      await p.close();
    }
    const grown = (store.memory.buffer.byteLength - before) / PAGE_BYTES;
    const ring = ringPages({ slotCount: maxBuffered + 1, slotBytes: alignUp(slotBytes) });
    // A copied input would take ceil(150528 / 64 KiB) = 3 more pages of scratch in each worker.
    assert.ok(grown >= ring + 1 && grown <= ring + workers, `the store grew by ${grown} pages: the ring's ${ring} and params (no input copies)`);
  });

  test('prefetches made one after another on one store reuse the first one\'s ring pages and its workers\' scratch; one closed with a view still leased keeps its ring', T, async () => {
    await loadKernels();
    const [w, h, n, workers, maxBuffered] = [64, 48, 10, 2, 4];
    const { store, images } = imagesInAStore(n, w, h);
    const options = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const slotBytes = w * h * 3 * 4 + 1024;
    const ring = ringPages({ slotCount: maxBuffered + 1, slotBytes: alignUp(slotBytes) });
    const pages = () => store.memory.buffer.byteLength / PAGE_BYTES;
    /** A full pass checked against the reference (the ring's header and guards intact), then close. */
    const pass = async (keepLease: boolean) => {
      const p = prefetch(smap(normalize(options), seq(images)), { workers, maxBuffered, slotBytes, store });
      let kept: { value: { data: Float32Array }; release(): void } | undefined;
      for (let i = 0; i < n; i++) {
        const lease = await p.lease(i);
        const want = reference.normalize(images[i]!, options).data;
        for (let k = 0; k < want.length; k += 31) {
          if (Math.abs(lease.value.data[k]! - want[k]!) > 1e-6) assert.fail(`image ${i} value ${k}: ${lease.value.data[k]} vs ${want[k]}`);
        }
        if (keepLease && i === n - 1) kept = lease;
        else lease.release();
      }
      await p.close();
      return kept;
    };
    await pass(false);
    const afterFirst = pages();
    for (let k = 0; k < 4; k++) await pass(false);
    // Each worker's scratch (a page of params) is one a worker of an earlier prefetch had: the store
    // grows only for a worker of a seat that had none yet (one that computed nothing before, as the
    // other did every element), so by a page a worker at most in all, not a page or two each time.
    assert.ok(pages() - afterFirst <= workers, `four more prefetches grew the store by ${pages() - afterFirst} pages, not by a ring (${ring}) or scratch each`);
    const beforeKept = pages();
    const kept = await pass(true);
    const copy = kept!.value.data.slice();
    const afterKept = pages();
    await pass(false);
    const grown = pages() - afterKept;
    assert.ok(grown >= ring && grown <= ring + workers, `the prefetch after one closed with a lease out made a ring of new pages (${grown} pages; its scratch was given back)`);
    assert.deepEqual(kept!.value.data, copy, 'the leased view still reads its own element after the next prefetch ran');
    assert.ok(afterKept - beforeKept <= workers, 'the prefetch that kept a lease reused the ring given back before it');
    kept!.release();
  });

  test('normalize in two workers gives the JS reference, as views into the ring', T, async () => {
    await loadKernels();
    const images = randomImages(40, 33, 17, seedFromEnv());
    const options = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const p = prefetch(smap(normalize(options), seq(images)), { workers: 2, maxBuffered: 8 });
    try {
      let i = 0;
      for await (const out of p) {
        const want = reference.normalize(images[i]!, options);
        assert.equal(out.width, 33);
        assert.equal(out.layout, 'chw');
        assert.ok(out.data.buffer instanceof SharedArrayBuffer, 'kernel output lives in the ring (the first element too)');
        assert.equal(out.data.length, want.data.length);
        for (let k = 0; k < want.data.length; k++) {
          if (Math.abs(out.data[k]! - want.data[k]!) > 1e-6) assert.fail(`image ${i} value ${k}: ${out.data[k]} vs ${want.data[k]}`);
        }
        i++;
      }
      assert.equal(i, 40);
    } finally {
      await p.close();
    }
  });

  test('a chain resize → normalize runs in workers and matches the reference chain', T, async () => {
    await loadKernels();
    const images = randomImages(12, 64, 48, 7);
    const size = { width: 20, height: 10 };
    const options = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
    const p = prefetch(smap(normalize(options), smap(resizeBilinear(size), seq(images))), { workers: 2 });
    try {
      for (const i of [0, 5, 11]) {
        const got = await p.get(i);
        const want = reference.normalize(reference.resizeBilinear(images[i]!, size), options);
        assert.equal(got.width, 20);
        assert.equal(got.height, 10);
        assert.deepEqual([...got.data].map((x) => Math.round(x * 1e5)), [...want.data].map((x) => Math.round(x * 1e5)));
      }
    } finally {
      await p.close();
    }
  });

  test('a bad image fails its own element only, with the kernel named', T, async () => {
    await loadKernels();
    const images: ImageLike<Uint8Array>[] = randomImages(6, 8, 8, 3);
    images[2] = { data: new Uint8Array(10), width: 8, height: 8, channels: 3 }; // too short
    const p = prefetch(smap(normalize({ mean: [0, 0, 0], std: [1, 1, 1] }), seq(images)), { workers: 1 });
    try {
      await assert.rejects(p.get(2), (e: Error) => e.name === 'EvaluationError' && /normalize/.test(e.message) && (e as { index?: number }).index === 2);
      assert.equal((await p.get(3)).width, 8);
      assert.equal((await p.get(1)).width, 8);
    } finally {
      await p.close();
    }
  });

  for (const transport of ['shared', 'transfer'] as const) {
    test(`kernels after an async worker function (a decode) get the awaited image (${transport})`, T, async () => {
      await loadKernels();
      const { fns } = fixtureFunctions();
      const size = { width: 5, height: 4 };
      const options = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.2, 0.2] };
      // smap over an async function is a Seq of promises; kernels given a promise return one.
      const images = smap(fns.asyncImage, arange(6));
      const p = prefetch(smap(normalize(options), smap(resizeBilinear(size), images)), {
        workers: 2, ...(transport === 'transfer' ? { debug: { transport } } : {}),
      });
      try {
        let i = 0;
        for await (const got of p) {
          const data = new Uint8Array(9 * 7 * 3);
          for (let k = 0; k < data.length; k++) data[k] = (k * 31 + i * 17) % 256;
          const want = reference.normalize(reference.resizeBilinear({ data, width: 9, height: 7, channels: 3 }, size), options);
          assert.equal(got.width, 5);
          assert.deepEqual([...got.data].map((x) => Math.round(x * 1e5)), [...want.data].map((x) => Math.round(x * 1e5)), `image ${i}`);
          i++;
        }
        assert.equal(i, 6);
      } finally {
        await p.close();
      }
    });
  }

  test('a worker function that calls a kernel itself (not a pipeline step) needs no loadKernels() in its worker', T, async () => {
    await loadKernels(); // on this thread only: prefetch sends the compiled modules
    const fns = remoteFunctions<typeof kernelFunctions>(() => tsWorker(new URL('../fixtures/kernels.worker.ts', import.meta.url)));
    const images = randomImages(12, 9, 7, 77);
    const p = prefetch(smap(fns.grayWithMean, seq(images)), { workers: 2 });
    try {
      for (let i = 0; i < images.length; i++) {
        const got = await p.get(i);
        const want = reference.grayscale(images[i]!);
        assert.deepEqual([got.width, got.height], [9, 7]);
        assert.deepEqual([...got.data], [...want.data], `element ${i}`);
        assert.equal(got.mean, [...want.data].reduce((a, b) => a + b, 0) / want.data.length);
      }
    } finally {
      await p.close();
    }
  });

  test('outputs of other shapes with as many values (72: 6×4×3, 4×6×3, 12×6×1, 6×4×3 as planes) each read back with their own shape and layout', T, async () => {
    await loadKernels();
    const seed = seedFromEnv();
    const rand = mulberry32(seed);
    const shapes = [[6, 4, 3, 'hwc'], [4, 6, 3, 'hwc'], [12, 6, 1, 'hwc'], [6, 4, 3, 'chw']] as const;
    // Runs of one shape and changes between them, in a seeded order (a worker sees some of each).
    const images = Array.from({ length: 80 }, () => {
      const [width, height, channels, layout] = shapes[Math.floor(rand() * shapes.length)]!;
      const data = new Uint8Array(width * height * channels);
      for (let k = 0; k < data.length; k++) data[k] = Math.floor(rand() * 256);
      return { data, width, height, channels, layout };
    });
    const options = { scale: 1 / 255, offset: -0.5 };
    const p = prefetch(smap(toFloat32(options), seq(images)), { workers: 2, maxBuffered: 4 });
    try {
      let i = 0;
      for await (const out of p) {
        const want = reference.toFloat32(images[i]!, options);
        const what = `image ${i} (seed ${seed})`;
        assert.deepEqual([out.width, out.height, out.channels, out.layout], [want.width, want.height, want.channels, want.layout], what);
        assert.deepEqual([...out.data], [...want.data], what);
        i++;
      }
      assert.equal(i, images.length);
    } finally {
      await p.close();
    }
  });

  test('kernel outputs larger than the slot (sized by a small first image) arrive intact', T, async () => {
    await loadKernels();
    // Image 0 is 4×4 and sizes the ring; the others are 40×30, far larger than a slot.
    const images = [...randomImages(1, 4, 4, 5), ...randomImages(5, 40, 30, 6)];
    const options = { mean: [0.1, 0.2, 0.3], std: [0.5, 0.5, 0.5] };
    const p = prefetch(smap(normalize(options), seq(images)), { workers: 2 });
    try {
      let i = 0;
      for await (const out of p) {
        const want = reference.normalize(images[i]!, options);
        assert.equal(out.width, images[i]!.width);
        assert.deepEqual([...out.data].map((x) => Math.round(x * 1e5)), [...want.data].map((x) => Math.round(x * 1e5)), `image ${i}`);
        i++;
      }
      assert.equal(i, 6);
    } finally {
      await p.close();
    }
  });
});
