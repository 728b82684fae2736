/**
 * References to functions that live in the user's worker module.
 *
 * `remoteFunctions(factory)` gives the main thread a stand-in for each
 * function the worker module exposes (`exposeFunctions`). The stand-ins carry
 * only a name and the factory; `prefetch` puts the name in the plan and starts
 * its workers from the factory. Called directly on this thread, a stand-in
 * throws: the function exists only in workers.
 */

/** Makes one worker of the user's module: a Web `Worker`, or a Node `worker_threads` Worker. */
export type WorkerFactory = () => WorkerLike;

/** What seqring needs of a worker: a Web Worker or a Node worker_threads Worker fits. */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  terminate(): unknown;
}

export interface RemoteRef {
  readonly name: string;
  readonly factory: WorkerFactory;
}

/** A stand-in for a function of the worker module, with the same parameter types. */
export type RemoteFunction<F> = F & { readonly remote: RemoteRef };

/** Stand-ins for every function in `F` (the type of the object the worker module exposes). */
export type RemoteFunctions<F> = {
  readonly [K in keyof F]: F[K] extends (...args: infer A) => infer R ? RemoteFunction<(...args: A) => R> : never;
};

export function isRemoteFunction(f: unknown): f is RemoteFunction<(...args: unknown[]) => unknown> {
  return typeof f === 'function' && typeof (f as { remote?: unknown }).remote === 'object';
}

/**
 * Stand-ins for the functions a worker module exposes, for use in pipelines that are prefetched.
 *
 * ```ts
 * const fns = remoteFunctions<typeof import('./my.worker').functions>(
 *   () => new Worker(new URL('./my.worker.ts', import.meta.url), { type: 'module' }),
 * );
 * const p = smap(fns.addOne, arange(1000)).prefetch({ workers: 4 });
 * ```
 */
export function remoteFunctions<F extends object>(factory: WorkerFactory): RemoteFunctions<F> {
  if (typeof factory !== 'function') {
    throw new TypeError('remoteFunctions: factory must be a function that returns a new Worker');
  }
  const cache = new Map<string, unknown>();
  return new Proxy({} as RemoteFunctions<F>, {
    get(_target, name) {
      if (typeof name !== 'string' || name === 'then') return undefined;
      let f = cache.get(name);
      if (!f) {
        const standIn = function (): never {
          throw new TypeError(`${name} is a function of the worker module: it runs only in prefetch workers (method: 'worker')`);
        };
        Object.defineProperty(standIn, 'name', { value: name });
        Object.defineProperty(standIn, 'remote', { value: { name, factory } satisfies RemoteRef });
        f = standIn;
        cache.set(name, f);
      }
      return f;
    },
  });
}
