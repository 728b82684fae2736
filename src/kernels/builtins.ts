/**
 * seqring's built-in kernels (assembly/ → build/kernels.wasm), registered
 * under the module name 'seqring' by the same `registerKernels` users call.
 */
import { registerKernels } from './registry.js';
import type { ImageLike, Kernel, KernelCall, KernelSpecs, Layout, OutputArray, Pixels } from './types.js';

/** The specs of build/kernels.wasm (see assembly/ for the formulas). */
export const builtinSpecs = {
  toFloat32: {
    exports: { uint8: 'toFloat32' },
    inputLayout: 'any',
    output: { dtype: 'float32' },
    options: { scale: { type: 'number', default: 1 }, offset: { type: 'number', default: 0 } },
  },
  normalize: {
    exports: { uint8: 'normalize' },
    output: { dtype: 'float32', layout: { option: 'layout' } },
    options: {
      layout: { type: 'string', values: ['chw', 'hwc'], default: 'chw' },
      mean: { type: 'number[]', perChannel: true },
      std: { type: 'number[]', perChannel: true, nonZero: true },
    },
  },
  hwcToChw: {
    exports: { uint8: 'hwcToChw_u8', float32: 'hwcToChw_f32' },
    output: { dtype: 'input', layout: 'chw' },
  },
  resizeBilinear: {
    exports: { uint8: 'resizeBilinear' },
    channels: [1, 3, 4],
    output: { dtype: 'uint8', width: { option: 'width' }, height: { option: 'height' } },
    options: {
      width: { type: 'number', integer: true, min: 1 },
      height: { type: 'number', integer: true, min: 1 },
    },
    // Each output column's source offset and weights (8 bytes, worked out once a call), and two
    // source rows blended horizontally (16 bytes a column each), kept while output rows reuse them.
    workspace: { perOutputColumn: 40 },
  },
  grayscale: {
    exports: { uint8: 'grayscale' },
    channels: [3, 4],
    output: { dtype: 'uint8', channels: 1 },
  },
} satisfies KernelSpecs;

const builtins = registerKernels('seqring', new URL('../../build/kernels.wasm', import.meta.url), builtinSpecs);

/** uint8 image data: Uint8Array or Uint8ClampedArray (ImageData). */
export type Bytes = Uint8Array | Uint8ClampedArray;

/** hwcToChw keeps the element type: uint8 in, Uint8Array out; float32 in, Float32Array out. */
export interface HwcToChwKernel {
  <D extends Pixels>(image: ImageLike<D>): ImageLike<D extends Float32Array ? Float32Array : Uint8Array>;
  /** The same, writing into `out` (see `Kernel.into`). */
  into<D extends Pixels>(image: ImageLike<D>, out: OutputArray<D>): ImageLike<OutputArray<D>>;
  readonly kernelCall: KernelCall;
}

/**
 * uint8 → float32, `x * scale + offset` (in f32: a multiply, then an add), any layout.
 * @example
 * const unit = toFloat32({ scale: 1 / 255 })(image); // values in [0, 1]
 */
export function toFloat32(options: { scale?: number; offset?: number } = {}): Kernel<Bytes, Float32Array> {
  return builtins.toFloat32(options) as Kernel<Bytes, Float32Array>;
}

/**
 * Per-channel normalization of a uint8 HWC image into float32:
 * `out = (x / 255 - mean[c]) / std[c]`, computed in f32 as `x * a[c] + b[c]`
 * with `a[c] = 1 / (255 * std[c])` and `b[c] = -mean[c] / std[c]` (within
 * ~1e-6 of the exact formula). `mean`/`std` have one value per channel, or one
 * for all. Output layout `'chw'` (default, planes, what ONNX/TF.js models take) or `'hwc'`.
 * @example
 * const toModel = normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
 * const tensor = toModel(rgb).data; // Float32Array, 3 × H × W
 */
export function normalize(options: {
  mean: number | number[];
  std: number | number[];
  layout?: Layout;
}): Kernel<Bytes, Float32Array> {
  return builtins.normalize(options) as Kernel<Bytes, Float32Array>;
}

/**
 * Interleaved pixels to channel planes (HWC → CHW), any channel count, uint8 or float32.
 * @example
 * const planes = hwcToChw()(rgb); // layout 'chw'
 */
export function hwcToChw(): HwcToChwKernel {
  return builtins.hwcToChw() as HwcToChwKernel;
}

/**
 * Bilinear resize of a uint8 HWC image with 1 (grey), 3 (RGB) or 4 (RGBA)
 * channels. Half-pixel centres like OpenCV's INTER_LINEAR and PIL without
 * antialiasing: source x = (x + 0.5) * inWidth / width - 0.5, clamped to the
 * image; 11-bit fixed-point weights, rounded. Downscaling does not antialias.
 * @example
 * const small = resizeBilinear({ width: 224, height: 224 })(imageData);
 */
export function resizeBilinear(options: { width: number; height: number }): Kernel<Bytes, Uint8Array> {
  return builtins.resizeBilinear(options) as Kernel<Bytes, Uint8Array>;
}

/**
 * RGB or RGBA uint8 → one uint8 channel (alpha ignored), BT.601 luma with
 * OpenCV's integer weights: `y = (4899 R + 9617 G + 1868 B + 8192) >> 14`.
 * @example
 * const grey = grayscale()(imageData); // channels 1
 */
export function grayscale(): Kernel<Bytes, Uint8Array> {
  return builtins.grayscale() as Kernel<Bytes, Uint8Array>;
}
