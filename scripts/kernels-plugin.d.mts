import type { Plugin } from 'vite';
/** Builds build/kernels.wasm at server/build start and rebuilds it (full reload) on edits under assembly/. */
export function kernelsPlugin(): Plugin;
