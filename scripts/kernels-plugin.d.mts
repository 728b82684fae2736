import type { Plugin } from 'vite';
import type { KernelPaths } from './build-kernels.mjs';
/** Builds build/kernels.wasm at server/build start and rebuilds it (full reload) on edits under assembly/ (or the given paths). */
export function kernelsPlugin(paths?: KernelPaths): Plugin;
