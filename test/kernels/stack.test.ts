/**
 * stack(group): one array for a batch of images, a view when the group lies
 * back to back (as a prefetched group of kernel outputs does), else a copy.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { batch, prefetch, seq, smap } from '../../src/index.js';
import { loadKernels, normalize, resizeBilinear, stack, type ImageLike } from '../../src/kernels.js';
import { photo } from './helpers.js';

const T = { timeout: 60_000 };
const OPTIONS = { mean: [0.485, 0.456, 0.406, 0.5], std: [0.229, 0.224, 0.225, 0.25] };

/** The images' values end to end, in plain arrays. */
const concatenated = (images: readonly ImageLike<Float32Array>[]) => images.flatMap((image) => [...image.data]);

describe('stack', () => {
  test('a group prefetched from workers (real photos, 32×32 RGBA float32) stacks as a view of its slot, in order', T, async () => {
    await loadKernels();
    // PNGs decode as RGBA; 32×32×4 float32 = 16 KiB per image, a multiple of 16: a group lies back to back.
    const photos = ['astronaut.png', 'chelsea.png', 'camera.png', 'coffee.png', 'coins.png'].map(photo);
    const p = prefetch(batch(smap(normalize(OPTIONS), smap(resizeBilinear({ width: 32, height: 32 }), seq(photos))), 2), { workers: 2 });
    try {
      for (let b = 0; b < p.length; b++) {
        const lease = await p.lease(b);
        const group = lease.value;
        const tensor = stack(group);
        assert.equal(tensor.buffer, group[0]!.data.buffer, `group ${b}: a view of the slot`);
        assert.equal(tensor.byteOffset, group[0]!.data.byteOffset);
        assert.equal(tensor.length, group.length * 4 * 32 * 32);
        assert.equal(group.length, b < 2 ? 2 : 1);
        assert.deepEqual([...tensor], concatenated(group), `group ${b}`);
        lease.release();
      }
    } finally {
      await p.close();
    }
  });

  test('images apart (their own arrays, or slot leaves with gaps between them) are copied in order into a new array', T, async () => {
    await loadKernels();
    const apart = [1, 2, 3].map((v) => ({ data: new Float32Array(12).fill(v), width: 2, height: 2, channels: 3, layout: 'chw' as const }));
    const copied = stack(apart);
    assert.notEqual(copied.buffer, apart[0]!.data.buffer);
    assert.deepEqual([...copied], concatenated(apart));
    apart[0]!.data[0] = 99;
    assert.equal(copied[0], 1, 'a copy, not a view');
    // 5×5×3 float32 = 300 bytes: leaves in a slot are 16-byte aligned, so 4 bytes lie between two images.
    const small = [0, 1, 2, 3].map((i) => ({ data: new Uint8Array(75).map((_, k) => (k * 7 + i * 31) % 256), width: 5, height: 5, channels: 3 }));
    const p = prefetch(batch(smap(normalize({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }), seq(small)), 4), { workers: 1 });
    try {
      const lease = await p.lease(0);
      const tensor = stack(lease.value);
      assert.notEqual(tensor.buffer, lease.value[0]!.data.buffer);
      assert.deepEqual([...tensor], concatenated(lease.value));
      lease.release();
    } finally {
      await p.close();
    }
  });

  test('a stack needs a non-empty array of images of one shape, layout and type', () => {
    const image = (width: number, height: number, channels: number, layout: 'hwc' | 'chw' = 'hwc') =>
      ({ data: new Float32Array(width * height * channels), width, height, channels, layout });
    assert.throws(() => stack([]), /stack: expected a non-empty array of images/);
    assert.throws(() => stack([image(2, 2, 3), image(2, 3, 3)]), (e: Error) => e instanceof RangeError && /image 1 is 2×3×3 \(hwc, 18 values\), image 0 is 2×2×3/.test(e.message));
    assert.throws(() => stack([image(2, 2, 3), image(2, 2, 3, 'chw')]), RangeError);
    assert.throws(() => stack([image(2, 2, 3), { data: new Uint8Array(12), width: 2, height: 2, channels: 3 }] as never), (e: Error) => e instanceof TypeError && /image 1 holds a Uint8Array, image 0 a Float32Array/.test(e.message));
    assert.throws(() => stack([{ data: [1, 2, 3], width: 1, height: 1 }] as never), (e: Error) => e instanceof TypeError && /image 0 has no pixel data/.test(e.message));
    // Uint8ClampedArray (an ImageData's) is its own type.
    const clamped = stack([{ data: new Uint8ClampedArray(4), width: 1, height: 1 }, { data: new Uint8ClampedArray(4), width: 1, height: 1 }]);
    assert.ok(clamped instanceof Uint8ClampedArray);
  });
});
