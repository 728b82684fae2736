/** Shared test helpers for the kernel tests: real photos, seeded randomness, comparisons. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ImageLike } from '../../src/kernels.js';
import { SharedStore } from '../../src/index.js';
import { seedFromEnv } from '../helpers/random.js';
import { mulberry32 as seededRandom } from '../helpers/random.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const photos = path.resolve(repoRoot, '../shared/data/photos');

/** Decodes a photo: PNGs as RGBA (channels 4), JPEGs as RGB (channels 3). */
export function photo(name: string): ImageLike<Uint8Array> {
  const bytes = readFileSync(path.join(photos, name));
  if (name.endsWith('.png')) {
    const png = PNG.sync.read(bytes);
    return { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
  }
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  return { data: img.data, width: img.width, height: img.height, channels: 3 };
}

/** Keeps the first `channels` channels of an interleaved uint8 image (RGBA → RGB, grey PNG → 1 channel). */
export function keepChannels(image: ImageLike<Uint8Array>, channels: number): ImageLike<Uint8Array> {
  const c = image.channels ?? image.data.length / (image.width * image.height);
  const pixels = image.width * image.height;
  const out = new Uint8Array(pixels * channels);
  for (let p = 0; p < pixels; p++) for (let k = 0; k < channels; k++) out[p * channels + k] = image.data[p * c + k];
  return { data: out, width: image.width, height: image.height, channels };
}

/** mulberry32 that prints its seed, so a failing run can be replayed (SEQRING_SEED=seed where a test reads it). */
export function mulberry32(seed: number): () => number {
  console.log(`random seed was ${seed}`);
  return seededRandom(seed);
}

export function randomImage(random: () => number, width: number, height: number, channels: number): ImageLike<Uint8Array> {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
  return { data, width, height, channels };
}

/** `n` seeded random RGB images (the seed is printed). */
export function randomImages(n: number, width: number, height: number, seed: number): ImageLike<Uint8Array>[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => randomImage(random, width, height, 3));
}

/** `n` random RGB images (seeded from the environment) allocated in a new SharedStore. */
export function imagesInAStore(n: number, width: number, height: number): { store: SharedStore; images: ImageLike<Uint8Array>[] } {
  const store = new SharedStore(n * width * height * 3);
  const random = mulberry32(seedFromEnv());
  const images = Array.from({ length: n }, () => {
    const data = store.alloc(Uint8Array, width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
    return { data, width, height, channels: 3 };
  });
  return { store, images };
}

/** Asserts two images are identical: shape, layout, and every value bit for bit. */
export function assertSameImage(actual: ImageLike, expected: ImageLike, what: string): void {
  assert.equal(actual.width, expected.width, `${what}: width`);
  assert.equal(actual.height, expected.height, `${what}: height`);
  assert.equal(actual.channels, expected.channels, `${what}: channels`);
  assert.equal(actual.layout, expected.layout, `${what}: layout`);
  assert.equal(actual.data.constructor, expected.data.constructor, `${what}: data type`);
  assert.equal(actual.data.length, expected.data.length, `${what}: data length`);
  for (let i = 0; i < actual.data.length; i++) {
    if (!Object.is(actual.data[i], expected.data[i])) {
      assert.fail(`${what}: value ${i} is ${actual.data[i]}, expected ${expected.data[i]}`);
    }
  }
}
