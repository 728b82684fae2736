import type { Plugin } from 'vite';
/** Builds build/kernels.wasm at server/build start and rebuilds it (full reload) on edits under assembly/ (or the given paths). */
export function kernelsPlugin(paths?: { assemblyDir: string; outFile: string }): Plugin;
