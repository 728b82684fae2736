/**
 * Kernel outputs written late. In a worker whose element holds a kernel's
 * outputs untouched (`collate([smap(normalize, images), labels])`, groups of
 * such pairs: src/plan/passing.ts), the kernel's step checks its input at
 * once, so a bad image fails where it always does, and gives the output's
 * description with its data a `LateLeaf`. The kernel runs when the element
 * is written into the ring slot (codec.ts `write`), straight into the
 * output's place there: no fresh 602 KB array per image and no copy of it.
 * An element that leaves by message has its late outputs computed first
 * (`computeLate`).
 */
import { LateLeaf, dtypeNamed, type TypedArray } from '../ring/codec.js';
import type { KernelRuntime } from '../kernels/runtime.js';
import type { ImageLike, KernelPlan, OutputShape } from '../kernels/types.js';

const FLOAT32 = dtypeNamed('Float32Array');
const UINT8 = dtypeNamed('Uint8Array');

/** The data of one image a kernel will make of `input`. */
class LateKernelOutput extends LateLeaf {
  readonly dtype: number;
  readonly length: number;
  readonly byteLength: number;

  constructor(
    private readonly kernels: KernelRuntime,
    private readonly call: KernelPlan,
    private readonly input: ImageLike,
    shape: OutputShape,
  ) {
    super();
    this.dtype = shape.dtype === 'float32' ? FLOAT32 : UINT8;
    this.byteLength = shape.byteLength;
    this.length = shape.width * shape.height * shape.channels;
  }

  /** `buffer` is the ring's, a view of the kernels' memory (the worker only writes late when they share it). */
  writeAt(_buffer: ArrayBufferLike, byteOffset: number): void {
    this.kernels.runInto(this.call, this.input, byteOffset);
  }

  compute(): TypedArray {
    return this.kernels.run(this.call, this.input).data;
  }
}

/**
 * A kernel step whose outputs are written late: `{ data, width, height,
 * channels, layout }` as the kernel returns it (same keys, same order), with
 * `data` late. An input still on its way (an async step before the kernel)
 * gives a promise of it.
 */
export function lateKernel(call: KernelPlan, kernels: KernelRuntime): (input: unknown) => unknown {
  const late = (input: unknown): ImageLike => {
    const shape = kernels.outputOf(call, input as ImageLike);
    const data = new LateKernelOutput(kernels, call, input as ImageLike, shape) as unknown as ImageLike['data'];
    return { data, width: shape.width, height: shape.height, channels: shape.channels, layout: shape.layout };
  };
  return (input) => (input instanceof Promise ? input.then(late) : late(input));
}
