// A Vite plugin that builds the AssemblyScript kernels (build/kernels.wasm)
// when the dev server or a build starts, and rebuilds them when a file under
// assembly/ changes, then reloads the page (a wasm module cannot be hot-swapped
// into running workers).
import path from 'node:path';
import { KERNEL_PATHS, buildKernels } from './build-kernels.mjs';

/**
 * @param {{ assemblyDir: string, outFile: string }} [paths] assembly/ → build/kernels.wasm by default
 * @returns {import('vite').Plugin}
 */
export function kernelsPlugin(paths = KERNEL_PATHS) {
  const { assemblyDir } = paths;
  let building = Promise.resolve();
  const rebuild = () => (building = building.then(() => buildKernels(paths)));
  return {
    name: 'seqring:kernels',
    async buildStart() {
      await rebuild();
    },
    configureServer(server) {
      server.watcher.add(assemblyDir);
      const onChange = async (file) => {
        if (!path.resolve(file).startsWith(assemblyDir + path.sep)) return;
        try {
          await rebuild();
          server.config.logger.info(`seqring: rebuilt ${path.basename(paths.outFile)} (${path.relative(assemblyDir, file)} changed)`, { timestamp: true });
          server.ws.send({ type: 'full-reload' });
        } catch (error) {
          building = Promise.resolve();
          server.config.logger.error(`seqring: kernel build failed\n${error instanceof Error ? error.message : error}`);
          server.ws.send({ type: 'error', err: { message: String(error instanceof Error ? error.message : error), stack: '' } });
        }
      };
      server.watcher.on('change', onChange);
      server.watcher.on('add', onChange);
      server.watcher.on('unlink', onChange);
    },
  };
}
