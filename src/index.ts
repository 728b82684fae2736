/**
 * seqring: lazy, random-access dataset pipelines (SeqTools' model) with a
 * prefetch that evaluates elements in workers into a shared-memory ring.
 */
export * from './ops/index.js';
import './prefetch/fluent.js';
export { prefetch, type PrefetchOptions, type PrefetchedSeq, type Lease } from './prefetch/prefetch.js';
export type { Settled } from './prefetch/settle.js';
export { SharedStore } from './ring/store.js';
export { remoteFunctions, type RemoteFunctions, type RemoteFunction, type WorkerFactory, type WorkerLike } from './plan/remote.js';
