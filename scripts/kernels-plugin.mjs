// A Vite plugin that builds the AssemblyScript kernels (build/kernels.wasm)
// when the dev server or a build starts, and rebuilds them when a file under
// assembly/ changes, then reloads the page (a wasm module cannot be hot-swapped
// into running workers).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildKernels } from './build-kernels.mjs';

const assemblyDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'assembly');

/** @returns {import('vite').Plugin} */
export function kernelsPlugin() {
  let building = Promise.resolve();
  const rebuild = () => (building = building.then(buildKernels));
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
          server.config.logger.info(`seqring: rebuilt build/kernels.wasm (${path.relative(assemblyDir, file)} changed)`, { timestamp: true });
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
