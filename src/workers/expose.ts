/**
 * `exposeFunctions`: what a user's worker module calls to make its functions
 * available to prefetched pipelines (`seqring/worker`).
 */
import type { RingLocation } from '../ring/ring.js';
import * as Comlink from 'comlink';
import { parentEndpoint } from './endpoint.js';
import { WorkerRuntime, type ExposedFunctions } from './runtime.js';
import type { WorkerApi, WorkerInit } from './protocol.js';

/**
 * Makes `functions` callable from pipelines prefetched in this worker.
 *
 * ```ts
 * // my.worker.ts
 * import { exposeFunctions } from 'seqring/worker';
 * export const functions = { addOne: (x: number) => x + 1 };
 * exposeFunctions(functions);
 * ```
 */
export function exposeFunctions<F extends Record<string, (...args: never[]) => unknown>>(functions: F): F {
  if (functions === null || typeof functions !== 'object') {
    throw new TypeError('exposeFunctions: expected an object of functions');
  }
  for (const [name, f] of Object.entries(functions)) {
    if (typeof f !== 'function') throw new TypeError(`exposeFunctions: ${name} is not a function`);
  }
  let runtime: Promise<WorkerRuntime> | undefined;
  const api: WorkerApi = {
    async start(init: WorkerInit) {
      if (runtime) throw new Error('worker: started twice');
      runtime = WorkerRuntime.start(init, functions as ExposedFunctions);
      await runtime;
    },
    async attach(ring: RingLocation) {
      if (!runtime) throw new Error('worker: attach before start');
      (await runtime).attach(ring);
    },
  };
  void parentEndpoint().then((ep) => Comlink.expose(api, ep));
  return functions;
}
