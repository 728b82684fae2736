/**
 * The values kernels take and return, and the JSON that describes kernels
 * (calls and specs) so that they can travel to workers.
 */

/** Pixel storage a kernel accepts. */
export type Pixels = Uint8Array | Uint8ClampedArray | Float32Array;

/** Interleaved pixels (`'hwc'`, the ImageData order) or one plane per channel (`'chw'`). */
export type Layout = 'hwc' | 'chw';

/** Element type of pixel data: `uint8` covers Uint8Array and Uint8ClampedArray. */
export type Dtype = 'uint8' | 'float32';

/**
 * An image: `data` holds `width * height * channels` values in `layout` order.
 * `channels` defaults to `data.length / (width * height)` and `layout` to
 * `'hwc'`, so an `ImageData` is an `ImageLike`. Kernels always return both.
 */
export interface ImageLike<D extends Pixels = Pixels> {
  data: D;
  width: number;
  height: number;
  channels?: number;
  layout?: Layout;
}

/** An option value, JSON-able so it can be posted to a worker. */
export type OptionValue = number | number[] | string;

/** The portable description of one kernel application: which kernel, with which options. */
export interface KernelCall {
  module: string;
  kernel: string;
  options: Record<string, OptionValue>;
}

/** A kernel call or a chain of them applied in order (intermediates stay in scratch memory). */
export type KernelPlan = KernelCall | readonly KernelCall[];

/**
 * A kernel: a function from image to image that carries its portable
 * description in `kernelCall`, so a plan can send it to a worker.
 */
export interface Kernel<In extends Pixels = Pixels, Out extends Pixels = Pixels> {
  /** An image in, an image out; an image still on its way (a promise, from an async step) gives a promise. */
  <I extends ImageLike<In> | PromiseLike<ImageLike<In>>>(image: I): I extends PromiseLike<unknown> ? Promise<ImageLike<Out>> : ImageLike<Out>;
  /**
   * The same call on this thread, writing into `out` (its first values)
   * instead of a fresh array: no allocation per call. The image returned has
   * `out` as its data (or the part of it written, when `out` is longer).
   */
  into(image: ImageLike<In>, out: OutputArray<Out>): ImageLike<OutputArray<Out>>;
  readonly kernelCall: KernelCall;
}

/** What `Kernel.into` writes an output to: a Float32Array for float32, a Uint8Array or Uint8ClampedArray for uint8. */
export type OutputArray<Out extends Pixels> = Out extends Float32Array ? Float32Array : Uint8Array | Uint8ClampedArray;

/** How one output dimension derives from the input: the same, a constant, or an option's value. */
export type DimRule = 'input' | number | { option: string };

/** Checks shared by number and number[] options. */
export interface NumberChecks {
  integer?: boolean;
  min?: number;
  nonZero?: boolean;
}

/**
 * One option of a kernel. The runtime writes options into the params block in
 * the order the spec lists them, as f32: a number as one value, an array as
 * its values (a `perChannel` array is expanded from 1 to `channels` values), a
 * string as the index of its value in `values`.
 */
export type OptionSpec =
  | ({ type: 'number'; default?: number } & NumberChecks)
  | ({ type: 'number[]'; perChannel?: boolean; default?: number[] } & NumberChecks)
  | { type: 'string'; values: string[]; default?: string };

/**
 * What the runtime needs to call one kernel export: pure JSON, so it travels
 * to workers with the compiled module.
 */
export interface KernelSpec {
  /** The export to call for each accepted input dtype. */
  exports: { uint8?: string; float32?: string };
  /** Accepted channel counts (any when omitted). */
  channels?: number[];
  /** Required input layout; default `'hwc'`. */
  inputLayout?: Layout | 'any';
  output: {
    dtype: Dtype | 'input';
    width?: DimRule;
    height?: DimRule;
    channels?: DimRule;
    /** Default `'input'`. */
    layout?: Layout | 'input' | { option: string };
  };
  options?: Record<string, OptionSpec>;
  /**
   * Bytes of workspace the kernel writes and reads during a call (a table it
   * would otherwise work out again and again): this many per output column
   * plus this many per output row. It follows the params block, at
   * `params + 16 × ceil(4 × params count / 16)` (assembly/abi.ts
   * `workspace`), in the caller's scratch.
   */
  workspace?: { perOutputColumn?: number; perOutputRow?: number };
}

/** The specs of every kernel a module exports, by kernel name. */
export type KernelSpecs = Record<string, KernelSpec>;

/** A compiled kernel module with its specs: what a worker receives. */
export interface KernelModule {
  module: WebAssembly.Module;
  specs: KernelSpecs;
}

/** The shape of a kernel's output, known before running it. */
export interface OutputShape {
  dtype: Dtype;
  width: number;
  height: number;
  channels: number;
  layout: Layout;
  byteLength: number;
}
