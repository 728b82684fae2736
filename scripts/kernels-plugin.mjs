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
  /** The last build started or queued (builds run one at a time). */
  let building = Promise.resolve();
  /** A build waits behind the running one: changes meanwhile join it (an editor's save is often two events). */
  let queued = false;
  /** Queues a build and returns it, or undefined when one is queued already (it will see this change too). */
  const rebuild = () => {
    if (queued) return undefined;
    queued = true;
    building = building.catch(() => {}).then(() => {
      queued = false;
      return buildKernels(paths);
    });
    return building;
  };
  return {
    name: 'seqring:kernels',
    /** For whoever closes a dev server and then removes its files (the tests): resolves once no build runs or waits. */
    api: { settled: () => building.catch(() => {}) },
    async buildStart() {
      await (rebuild() ?? building);
    },
    configureServer(server) {
      server.watcher.add(assemblyDir);
      const onChange = async (file) => {
        if (!path.resolve(file).startsWith(assemblyDir + path.sep)) return;
        const build = rebuild();
        if (!build) return;
        try {
          await build;
          server.config.logger.info(`seqring: rebuilt ${path.basename(paths.outFile)} (${path.relative(assemblyDir, file)} changed)`, { timestamp: true });
          server.ws.send({ type: 'full-reload' });
        } catch (error) {
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
