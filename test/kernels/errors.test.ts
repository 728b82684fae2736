import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { grayscale, hwcToChw, loadKernels, normalize, resizeBilinear, toFloat32 } from '../../src/kernels.js';

before(async () => {
  await loadKernels();
});

const rgb = (width: number, height: number) => ({ data: new Uint8Array(width * height * 3), width, height, channels: 3 });

test('a wrong channel count is a RangeError naming the kernel and the counts', () => {
  assert.throws(() => grayscale()({ data: new Uint8Array(8), width: 2, height: 2, channels: 2 }), {
    name: 'RangeError', message: /^grayscale: image has 2 channels, expected 3 or 4/,
  });
  assert.throws(() => resizeBilinear({ width: 2, height: 2 })({ data: new Uint8Array(8), width: 2, height: 2 }), {
    name: 'RangeError', message: /^resizeBilinear: image has 2 channels/,
  });
});

test('data too small for width*height*channels is a RangeError', () => {
  assert.throws(() => normalize({ mean: 0, std: 1 })({ data: new Uint8Array(11), width: 2, height: 2, channels: 3 }), {
    name: 'RangeError', message: /^normalize: image data has 11 values, too few for 2×2×3 \(12\)/,
  });
  assert.throws(() => toFloat32()({ data: new Uint8Array(7), width: 2, height: 2 }), {
    name: 'RangeError', message: /^toFloat32: image data has 7 values, not a whole number of channels/,
  });
});

test('zero-sized and non-integer sizes are rejected', () => {
  assert.throws(() => hwcToChw()({ data: new Uint8Array(0), width: 0, height: 4 }), {
    name: 'RangeError', message: /^hwcToChw: image width must be >= 1, got 0/,
  });
  assert.throws(() => hwcToChw()({ data: new Uint8Array(12), width: 1.5, height: 2 }), {
    name: 'TypeError', message: /^hwcToChw: image width must be an integer, got 1.5/,
  });
  assert.throws(() => hwcToChw()({ data: new Uint8Array(0), width: 4, height: 0 }), {
    name: 'RangeError', message: /^hwcToChw: image height must be >= 1, got 0/,
  });
  assert.throws(() => hwcToChw()({ data: new Uint8Array(12), width: 2, height: '2' as never }), {
    name: 'TypeError', message: /^hwcToChw: image height must be an integer, got/,
  });
  assert.throws(() => grayscale()({ data: new Uint8Array(12), width: 2, height: 2, channels: 3.5 }), {
    name: 'TypeError', message: /^grayscale: image channels must be an integer/,
  });
});

test('wrong data types and layouts are rejected', () => {
  assert.throws(() => grayscale()({ data: new Float32Array(12), width: 2, height: 2 } as never), {
    name: 'TypeError', message: /^grayscale: expected uint8 image data, got float32/,
  });
  assert.throws(() => grayscale()({ data: [1, 2, 3] as never, width: 1, height: 1 }), {
    name: 'TypeError', message: /^grayscale: image data must be a Uint8Array, Uint8ClampedArray or Float32Array/,
  });
  assert.throws(() => normalize({ mean: 0, std: 1 })({ ...rgb(2, 2), layout: 'chw' }), {
    name: 'RangeError', message: /^normalize: expected a 'hwc' image, got 'chw'/,
  });
});

test('bad options are rejected when the kernel is made', () => {
  assert.throws(() => resizeBilinear({ width: 0, height: 3 }), { name: 'RangeError', message: /^resizeBilinear: option 'width' must be >= 1/ });
  assert.throws(() => resizeBilinear({ width: 2.5, height: 3 }), { name: 'TypeError', message: /option 'width' must be an integer/ });
  assert.throws(() => resizeBilinear({ width: 2 } as never), { name: 'RangeError', message: /option 'height' is required/ });
  assert.throws(() => normalize({ mean: 0, std: [1, 0, 1] }), { name: 'RangeError', message: /^normalize: option 'std' must not be 0/ });
  assert.throws(() => normalize({ mean: 0, std: 1, layout: 'nchw' as never }), { name: 'RangeError', message: /must be one of 'chw', 'hwc'/ });
  assert.throws(() => toFloat32({ scael: 2 } as never), { name: 'RangeError', message: /^toFloat32: unknown option 'scael'/ });
  assert.throws(() => toFloat32({ scale: NaN }), { name: 'TypeError', message: /must be a finite number/ });
});

test('per-channel options must match the image channel count (or be one value)', () => {
  assert.throws(() => normalize({ mean: [0, 0], std: 1 })(rgb(2, 2)), {
    name: 'RangeError', message: /^normalize: option 'mean' has 2 values but the image has 3 channels/,
  });
  assert.equal(normalize({ mean: [0.5], std: 1 })(rgb(2, 2)).data.length, 12);
});
