import type { Plugin } from 'vite';
import type { KernelPaths } from './build-kernels.mjs';
/** Builds build/kernels.wasm at server/build start and rebuilds it (full reload) on edits under assembly/ (or the given paths). */
export function kernelsPlugin(paths?: KernelPaths): Plugin & {
  /** `settled()` resolves once no kernel build runs or waits (for closing a dev server and removing its files). */
  api: { settled(): Promise<void> };
};
