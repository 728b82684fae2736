/**
 * The user's worker module of the kernels e2e page: a function that calls a
 * kernel itself (not as a pipeline step), with no loadKernels() of its own.
 * The worker runs on the modules its prefetch sent from the page.
 */
import { exposeFunctions } from '../../src/worker.js';
import { grayscale } from '../../src/kernels.js';
import type { ImageLike } from '../../src/kernels/types.js';

const gray = grayscale();

export const functions = {
  /** The grey image of an RGBA one, computed in this worker by the wasm kernel. */
  grayHere: (image: ImageLike<Uint8ClampedArray>) => gray(image),
};

exposeFunctions(functions);
