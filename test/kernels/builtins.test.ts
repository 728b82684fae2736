import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  grayscale, hwcToChw, loadKernels, normalize, resizeBilinear, toFloat32, type ImageLike,
} from '../../src/kernels.js';
import * as reference from '../../src/kernels/reference.js';
import { assertSameImage, keepChannels, mulberry32, photo, randomImage } from './helpers.js';

const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** The photos as the kernels meet them: RGBA (PNG), RGB (JPEG and PNG → RGB) and grey. */
const photos: [string, () => ImageLike<Uint8Array>][] = [
  ['astronaut.png RGBA', () => photo('astronaut.png')],
  ['coffee.png RGB', () => keepChannels(photo('coffee.png'), 3)],
  ['chelsea.png RGB', () => keepChannels(photo('chelsea.png'), 3)],
  ['rocket.jpg RGB', () => photo('rocket.jpg')],
  ['camera.png grey', () => keepChannels(photo('camera.png'), 1)],
];

before(async () => {
  await loadKernels();
});

describe('each kernel gives exactly what the JS reference gives on real photos', () => {
  for (const [name, load] of photos) {
    test(name, () => {
      const image = load();
      const c = image.channels ?? image.data.length / (image.width * image.height);
      const opts = { scale: 1 / 255, offset: -0.5 };
      assertSameImage(toFloat32(opts)(image), reference.toFloat32(image, opts), `${name} toFloat32`);
      const norm = c === 1 ? { mean: 0.5, std: 0.25 } : c === 3 ? imagenet : { mean: [...imagenet.mean, 0], std: [...imagenet.std, 1] };
      assertSameImage(normalize(norm)(image), reference.normalize(image, norm), `${name} normalize chw`);
      assertSameImage(
        normalize({ ...norm, layout: 'hwc' })(image),
        reference.normalize(image, { ...norm, layout: 'hwc' }), `${name} normalize hwc`,
      );
      assertSameImage(hwcToChw()(image), reference.hwcToChw(image), `${name} hwcToChw uint8`);
      const floats = toFloat32()(image);
      assertSameImage(hwcToChw()(floats), reference.hwcToChw(floats), `${name} hwcToChw float32`);
      for (const size of [{ width: 224, height: 224 }, { width: 1001, height: 333 }, { width: 31, height: 17 }]) {
        assertSameImage(
          resizeBilinear(size)(image), reference.resizeBilinear(image, size),
          `${name} resize to ${size.width}×${size.height}`,
        );
      }
      if (c >= 3) assertSameImage(grayscale()(image), reference.grayscale(image), `${name} grayscale`);
    });
  }
});

test('random shapes with scalar tails (widths not multiples of 4 or 16) match the reference', () => {
  const random = mulberry32(Number(process.env.SEQRING_SEED ?? Date.now() % 100000));
  for (let round = 0; round < 60; round++) {
    const width = 1 + Math.floor(random() * 41);
    const height = 1 + Math.floor(random() * 23);
    const channels = [1, 2, 3, 4, 5][Math.floor(random() * 5)];
    const image = randomImage(random, width, height, channels);
    const what = `${width}×${height}×${channels}`;
    const mean = Array.from({ length: channels }, () => random());
    const std = Array.from({ length: channels }, () => 0.05 + random());
    const opts = { scale: random() * 3 - 1, offset: random() * 10 - 5 };
    assertSameImage(toFloat32(opts)(image), reference.toFloat32(image, opts), `${what} toFloat32`);
    for (const layout of ['chw', 'hwc'] as const) {
      assertSameImage(
        normalize({ mean, std, layout })(image), reference.normalize(image, { mean, std, layout }), `${what} normalize ${layout}`,
      );
    }
    assertSameImage(hwcToChw()(image), reference.hwcToChw(image), `${what} hwcToChw`);
    const floats = toFloat32(opts)(image);
    assertSameImage(hwcToChw()(floats), reference.hwcToChw(floats), `${what} hwcToChw float32`);
    if (channels === 1 || channels === 3 || channels === 4) {
      // A random size, the same size (every row weight 0) and whole multiples (source rows reused).
      const sizes = [
        { width: 1 + Math.floor(random() * 50), height: 1 + Math.floor(random() * 50) },
        { width, height },
        { width: 2 * width, height: 3 * height },
      ];
      for (const size of sizes) {
        assertSameImage(resizeBilinear(size)(image), reference.resizeBilinear(image, size), `${what} resize to ${size.width}×${size.height}`);
      }
    }
    if (channels === 3 || channels === 4) assertSameImage(grayscale()(image), reference.grayscale(image), `${what} grayscale`);
  }
});

test('normalize is within 1e-6 of (x / 255 - mean) / std computed in doubles', () => {
  const image = photo('rocket.jpg');
  const out = normalize(imagenet)(image).data;
  const pixels = image.width * image.height;
  let worst = 0;
  for (let p = 0; p < pixels; p++) {
    for (let k = 0; k < 3; k++) {
      const exact = (image.data[p * 3 + k] / 255 - imagenet.mean[k]) / imagenet.std[k];
      worst = Math.max(worst, Math.abs(out[k * pixels + p] - exact) / Math.max(1, Math.abs(exact)));
    }
  }
  assert.ok(worst < 1e-6, `largest relative error ${worst}`);
});

test('resizeBilinear uses half-pixel centres: 2×1 → 4×1 gives 3/4–1/4 blends', () => {
  const out = resizeBilinear({ width: 4, height: 1 })({ data: new Uint8Array([0, 200]), width: 2, height: 1 });
  assert.deepEqual([...out.data], [0, 50, 150, 200]);
  const same = resizeBilinear({ width: 3, height: 2 })({ data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 3, height: 2 });
  assert.deepEqual([...same.data], [1, 2, 3, 4, 5, 6]);
});

test('grayscale uses BT.601 integer weights on RGB and ignores alpha on RGBA', () => {
  const rgb = grayscale()({ data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]), width: 4, height: 1 });
  assert.deepEqual([...rgb.data], [76, 150, 29, 255]);
  const rgba = grayscale()({ data: new Uint8Array([255, 0, 0, 7, 0, 255, 0, 0]), width: 2, height: 1 });
  assert.deepEqual([...rgba.data], [76, 150]);
});

test('kernels compose: resize then normalize gives a 3×224×224 float32 CHW tensor', () => {
  const image = photo('rocket.jpg');
  const resized = resizeBilinear({ width: 224, height: 224 })(image);
  const out = normalize({ mean: 0.5, std: 0.5 })(resized);
  assert.equal(out.data.length, 3 * 224 * 224);
  assert.ok(out.data instanceof Float32Array);
  assert.equal(out.layout, 'chw');
  assert.equal(out.channels, 3);
  assertSameImage(out, reference.normalize(reference.resizeBilinear(image, { width: 224, height: 224 }), { mean: 0.5, std: 0.5 }), 'chain');
});

test('ImageData-like input (Uint8ClampedArray, no channels) is accepted and returns fresh arrays', () => {
  const data = new Uint8ClampedArray(5 * 3 * 4).map((_, i) => i * 3);
  const image = { data, width: 5, height: 3, colorSpace: 'srgb' };
  const a = grayscale()(image);
  const b = grayscale()(image);
  assert.notEqual(a.data.buffer, b.data.buffer);
  assert.ok(!(a.data.buffer instanceof SharedArrayBuffer), 'output owns a plain ArrayBuffer');
  assert.deepEqual(a.data, reference.grayscale(image).data);
});

describe('kernel.into writes into an array the caller holds', () => {
  test('normalize.into a Float32Array gives what the call gives, in that array, on a real photo', () => {
    const image = photo('rocket.jpg');
    const toModel = normalize(imagenet);
    const want = reference.normalize(image, imagenet);
    const out = new Float32Array(want.data.length);
    const got = toModel.into(image, out);
    assert.equal(got.data, out, 'the data is the array given');
    assertSameImage(got, want, 'into');
    assert.deepEqual(got.data, toModel(image).data);
    // Again into the same array: overwritten, not accumulated.
    assertSameImage(toModel.into(image, out), want, 'into, again');
  });

  test('a longer array gets the first values written and the rest left alone; the result is that part', () => {
    const image = randomImage(mulberry32(31), 7, 5, 3);
    const n = 7 * 5 * 3;
    const out = new Float32Array(n + 9).fill(-42);
    const got = normalize({ mean: 0.5, std: 0.25 }).into(image, out);
    assert.equal(got.data.length, n);
    assert.equal(got.data.buffer, out.buffer);
    assert.deepEqual(got.data, reference.normalize(image, { mean: 0.5, std: 0.25 }).data);
    assert.deepEqual([...out.subarray(n)], new Array(9).fill(-42));
  });

  test('uint8 outputs go into a Uint8Array or Uint8ClampedArray; hwcToChw keeps float32 too', () => {
    const image = keepChannels(photo('chelsea.png'), 3);
    const pixels = image.width * image.height;
    const grey = new Uint8ClampedArray(pixels);
    const greyOut = grayscale().into(image, grey);
    assert.equal(greyOut.data, grey);
    assert.deepEqual(Uint8Array.from(greyOut.data), reference.grayscale(image).data);
    const planes = new Uint8Array(pixels * 3);
    assert.deepEqual(hwcToChw().into(image, planes).data, reference.hwcToChw(image).data);
    const floats = toFloat32({ scale: 1 / 255 })(image);
    const floatPlanes = new Float32Array(pixels * 3);
    assert.deepEqual(hwcToChw().into(floats, floatPlanes).data, reference.hwcToChw(floats).data);
  });

  test('an array of the wrong type or too short is refused, naming the kernel, and left unwritten', () => {
    const image = randomImage(mulberry32(32), 4, 4, 3);
    const small = new Float32Array(47).fill(7);
    assert.throws(() => normalize(imagenet).into(image, small), {
      name: 'RangeError',
      message: 'normalize.into: the output has 48 values (4×4×3), out only 47',
    });
    assert.deepEqual([...small], new Array(47).fill(7));
    assert.throws(() => normalize(imagenet).into(image, new Uint8Array(48) as never), {
      name: 'TypeError',
      message: 'normalize.into: the output is float32: out must be a Float32Array, got Uint8Array',
    });
    assert.throws(() => grayscale().into(image, new Float32Array(16) as never), {
      name: 'TypeError',
      message: 'grayscale.into: the output is uint8: out must be a Uint8Array or Uint8ClampedArray, got Float32Array',
    });
  });
});
