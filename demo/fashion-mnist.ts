/**
 * Fashion-MNIST in memory: all pixels in one Uint8Array (over a
 * SharedArrayBuffer when the page is cross-origin isolated, so prefetch
 * workers read it without a copy), the labels, and one small ImageLike per
 * image that views its 28×28 pixels.
 */
import type { ImageLike } from '../src/kernels.js';
import { fetchBytes, parseIdx, type GzipPath } from './idx.js';

export const classNames = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

export interface FashionMnist {
  readonly count: number;
  readonly width: number;
  readonly height: number;
  /** count × height × width grey values, one image after the other. */
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  /** Image i as a kernel input: a view of its pixels, 1 channel. */
  readonly images: readonly ImageLike<Uint8Array>[];
  readonly shared: boolean;
  readonly gzip: GzipPath;
}

export interface FashionMnistUrls {
  readonly images: string;
  readonly labels: string;
}

const nameOf = (url: string): string => decodeURIComponent(url.split('/').pop() ?? url);

/** Fetches, inflates and checks both IDX files; `onProgress` gets a line of text to show. */
export async function loadFashionMnist(urls: FashionMnistUrls, onProgress: (text: string) => void): Promise<FashionMnist> {
  const mb = (n: number): string => (n / 2 ** 20).toFixed(1);
  const [imageFile, labelFile] = await Promise.all([
    fetchBytes(urls.images, (n) => onProgress(`downloading ${nameOf(urls.images)}: ${mb(n)} MB`)),
    fetchBytes(urls.labels),
  ]);
  const images = parseIdx(imageFile.bytes, 3, nameOf(urls.images));
  const labels = parseIdx(labelFile.bytes, 1, nameOf(urls.labels));
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new Error(`${nameOf(urls.labels)} has ${labels.dims[0]} labels for ${count} images in ${nameOf(urls.images)}`);
  }
  const bad = labels.data.findIndex((label) => label >= classNames.length);
  if (bad >= 0) throw new Error(`${nameOf(urls.labels)}: label ${labels.data[bad]} of image ${bad} is not a Fashion-MNIST class (0–9)`);

  // One buffer for all pixels. Shared, workers see it as is; otherwise it is copied to each worker once.
  const shared = crossOriginIsolated;
  const buffer = shared ? new SharedArrayBuffer(images.data.byteLength) : new ArrayBuffer(images.data.byteLength);
  const pixels = new Uint8Array(buffer);
  pixels.set(images.data);
  const size = width * height;
  const views = Array.from({ length: count }, (_, i) => ({
    data: pixels.subarray(i * size, (i + 1) * size),
    width,
    height,
    channels: 1,
  }));
  return { count, width, height, pixels, labels: labels.data.slice(), images: views, shared, gzip: imageFile.gzip };
}
