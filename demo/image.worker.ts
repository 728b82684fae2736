/**
 * The image demo's worker module: `decode(url)` fetches a photo and decodes
 * it to RGBA pixels. Prefetch workers run it; the kernels that follow it in
 * the pipeline run in the same workers.
 */
import { exposeFunctions } from '../src/worker.js';
import type { ImageLike } from '../src/kernels.js';

/** The file name for messages (an inlined `data:` URL has none). */
function fileName(url: string): string {
  if (url.startsWith('data:')) return 'an inline data: URL';
  return decodeURIComponent(new URL(url, self.location.href).pathname.split('/').pop() || url);
}

/**
 * Fetches `url` and decodes it (PNG, JPEG, WebP, anything the browser reads)
 * into 8-bit RGBA, unpremultiplied, without colour-space conversion. Grey
 * photos come out as RGBA too (R = G = B). Throws an Error naming the file
 * when it cannot be fetched or decoded.
 */
async function decode(url: string): Promise<ImageLike<Uint8Array>> {
  const name = fileName(url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`decode: ${name}: HTTP ${response.status} ${response.statusText}`);
  const blob = await response.blob();
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (error) {
    const what = `${blob.size.toLocaleString('en')} bytes${blob.type ? ` of ${blob.type}` : ''}`;
    throw new Error(`decode: ${name} is not a decodable image (${what}): ${(error as Error).message}`);
  }
  try {
    const { width, height } = bitmap;
    const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error(`decode: ${name}: no 2D canvas context in this worker`);
    context.drawImage(bitmap, 0, 0);
    const pixels = context.getImageData(0, 0, width, height).data;
    return { data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), width, height, channels: 4 };
  } finally {
    bitmap.close();
  }
}

export const functions = { decode };
exposeFunctions(functions);
