/**
 * The image pipeline's sources, for the suites that run it (pipeline.ts,
 * memory.ts): uint8 224×224×3 images of seeded random pixels, held in ONE
 * SharedArrayBuffer (so they reach workers without copying), and the
 * ImageNet normalization applied to them.
 */
import type { ImageLike } from '../src/kernels.js';
import { mulberry32 } from '../test/helpers/random.js';

export const WIDTH = 224, HEIGHT = 224, CHANNELS = 3;
/** Bytes (values) of one image. */
export const S = WIDTH * HEIGHT * CHANNELS;
export const NORMALIZE = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** `count` images of mulberry32(`seed`) pixels, views of one SharedArrayBuffer. */
export function sharedImages(count: number, seed: number): ImageLike<Uint8Array>[] {
  const shared = new Uint8Array(new SharedArrayBuffer(S * count));
  const rand = mulberry32(seed);
  for (let k = 0; k < shared.length; k++) shared[k] = (rand() * 256) | 0;
  return Array.from({ length: count }, (_, k) => ({ data: shared.subarray(k * S, (k + 1) * S), width: WIDTH, height: HEIGHT, channels: CHANNELS }));
}
