// seqring's built-in kernels. The calling convention is in abi.ts; the specs
// that tell JS how to call each export live in src/kernels/builtins.ts.
export { toFloat32, normalize } from './elementwise';
export { hwcToChw_u8, hwcToChw_f32 } from './layout';
export { resizeBilinear } from './resize';
export { grayscale } from './color';
