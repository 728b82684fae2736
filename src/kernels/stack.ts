/**
 * One array for a batch of images, as a model takes its input (N×C×H×W for
 * CHW images): `stack(group)`.
 *
 * A group prefetched from workers (`batch(smap(kernel, images), k)`) lies
 * back to back in one ring slot when each image's bytes are a multiple of
 * 16 (the slot's leaf alignment), as 224×224×3 float32 images are. Then the
 * result is a view over the slot, with no copy, valid as long as the group
 * is (until the next step of `for await`, or the lease's release). Otherwise
 * the images are copied into a new array, in order.
 */
import type { ImageLike, Pixels } from './types.js';

type PixelsConstructor = {
  new (length: number): Pixels;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): Pixels;
};

/** The images' data end to end: a view when they already are, else a copy. Throws unless all share one shape and type. */
export function stack<D extends Pixels>(images: readonly ImageLike<D>[]): D {
  if (!Array.isArray(images) || images.length === 0) throw new RangeError('stack: expected a non-empty array of images');
  const first = images[0]!;
  const type = pixelType(first, 0);
  const shape = shapeOf(first);
  const n = first.data.length;
  let inPlace = true;
  images.forEach((image, j) => {
    if (pixelType(image, j) !== type) {
      throw new TypeError(`stack: image ${j} holds a ${image.data.constructor.name}, image 0 a ${first.data.constructor.name}: a stack needs one type`);
    }
    if (shapeOf(image) !== shape) throw new RangeError(`stack: image ${j} is ${shapeOf(image)}, image 0 is ${shape}: a stack needs one shape`);
    inPlace &&= image.data.buffer === first.data.buffer && image.data.byteOffset === first.data.byteOffset + j * first.data.byteLength;
  });
  if (inPlace) return new type(first.data.buffer, first.data.byteOffset, n * images.length) as D;
  const out = new type(n * images.length);
  images.forEach((image, j) => out.set(image.data, j * n));
  return out as D;
}

function pixelType(image: ImageLike, j: number): PixelsConstructor {
  const data = (image as { data?: unknown } | null)?.data;
  for (const C of [Float32Array, Uint8Array, Uint8ClampedArray]) {
    // Uint8ClampedArray is not a Uint8Array, so the first match is the type.
    if (data instanceof C) return C as unknown as PixelsConstructor;
  }
  throw new TypeError(`stack: image ${j} has no pixel data (a Float32Array, Uint8Array or Uint8ClampedArray)`);
}

/** "W×H×C (layout)", with the defaults kernels use: channels from the data's length, layout 'hwc'. */
function shapeOf(image: ImageLike): string {
  const channels = image.channels ?? image.data.length / (image.width * image.height);
  return `${image.width}×${image.height}×${channels} (${image.layout ?? 'hwc'}, ${image.data.length} values)`;
}
