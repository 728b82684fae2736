/**
 * `seqring/kernels`: WebAssembly kernels (hot image transforms) usable as
 * `smap` functions on the main thread and in workers, writing straight into
 * ring slots when prefetched.
 * @example
 * import { loadKernels, resizeBilinear, normalize } from 'seqring/kernels';
 * await loadKernels();
 * const prepared = smap(normalize({ mean: 0.5, std: 0.5 }), smap(resizeBilinear({ width: 224, height: 224 }), images));
 */
export { toFloat32, normalize, hwcToChw, resizeBilinear, grayscale, builtinSpecs } from './kernels/builtins.js';
export type { Bytes, HwcToChwKernel } from './kernels/builtins.js';
export {
  registerKernels, loadKernels, kernelModules, adoptKernelModules, isKernel, kernelFromCall,
} from './kernels/registry.js';
export type { KernelFactory, KernelSource } from './kernels/registry.js';
export { KernelRuntime } from './kernels/runtime.js';
export { stack } from './kernels/stack.js';
export type {
  Pixels, Layout, Dtype, ImageLike, OptionValue, KernelCall, KernelPlan, Kernel, DimRule, NumberChecks,
  OptionSpec, KernelSpec, KernelSpecs, KernelModule, OutputShape, OutputArray,
} from './kernels/types.js';
