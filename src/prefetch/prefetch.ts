/**
 * `prefetch(seq, options)`: evaluate elements ahead of the reader, in workers
 * that write into a shared ring (or, without shared memory, transfer their
 * buffers), or as async functions on this thread.
 */
import { normalizeIndex } from '../seq/indexing.js';
import { creationSite, seterr } from '../seq/errors.js';
import type { Seq } from '../seq/seq.js';
import { toPlan } from '../plan/plan.js';
import { kernelModules, loadedKernelModules } from '../kernels/registry.js';
import { SharedStore } from '../ring/store.js';
import { MAX_WORKERS } from '../ring/layout.js';
import { isNode } from '../workers/endpoint.js';
import type { KernelModuleEntry } from '../workers/protocol.js';
import type { Backend } from './backend.js';
import { AsyncBackend } from './async-backend.js';
import { WorkerBackend } from './worker-backend.js';
import { Reader, type Lease } from './reader.js';
import { closedError, elementError } from './errors.js';
import type { Settled } from './settle.js';

export type { Lease };

export interface PrefetchOptions {
  /** Workers (default: hardwareConcurrency - 1, at least 1, at most 48); 0 evaluates on this thread. */
  workers?: number;
  /** 'worker' (default) or 'async': async functions on this thread, `workers` in flight. */
  method?: 'worker' | 'async';
  /** Elements evaluated ahead of the reader (ring slots); default 2 × workers, at least 1. */
  maxBuffered?: number;
  /** Bytes per ring slot; default: sized from the first element. Larger elements still arrive, by structured clone. */
  slotBytes?: number;
  /** Name of an exposed function each worker runs once, with its worker index, before any element. */
  onWorkerStart?: string;
  /** ms a worker may spend on one element before it counts as hung and is replaced (default: no limit). */
  timeout?: number;
  signal?: AbortSignal;
  /**
   * Make the ring in this store's shared memory: WebAssembly kernels in the
   * workers then read sources allocated in the store in place, instead of
   * copying each into their memory (see SharedStore). Shared transport only.
   */
  store?: SharedStore;
  /** Testing aids: poison released slots (use after release reads NaN/0xff), or force the transfer transport. */
  debug?: { poisonReleased?: boolean; transport?: 'transfer' };
}

export interface PrefetchedSeq<T> extends AsyncIterable<T> {
  readonly length: number;
  readonly transport: 'shared' | 'transfer' | 'async';
  /** A value the caller owns (typed arrays are copied out of the ring). */
  get(i: number): Promise<T>;
  /** A zero-copy view into the ring slot, held until `release()`. */
  lease(i: number): Promise<Lease<T>>;
  /** Ends the workers, frees the ring, and rejects every pending and later read. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function checkOptions(options: PrefetchOptions): void {
  const { workers, method, maxBuffered, slotBytes, timeout } = options;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0)) {
    throw new RangeError(`prefetch: workers must be an integer >= 0, got ${String(workers)}`);
  }
  if (workers !== undefined && workers > MAX_WORKERS && method !== 'async') {
    // Each live worker bumps a heartbeat word of its own in the ring's header, which has MAX_WORKERS of them.
    throw new RangeError(`prefetch: workers can be at most ${MAX_WORKERS}, got ${workers}`);
  }
  if (method !== undefined && method !== 'worker' && method !== 'async') {
    throw new RangeError(`prefetch: method must be 'worker' or 'async', got ${String(method)}`);
  }
  if (maxBuffered !== undefined && (!Number.isInteger(maxBuffered) || maxBuffered < 1)) {
    throw new RangeError(`prefetch: maxBuffered must be an integer >= 1, got ${String(maxBuffered)}`);
  }
  if (slotBytes !== undefined && (!Number.isInteger(slotBytes) || slotBytes < 1)) {
    throw new RangeError(`prefetch: slotBytes must be an integer >= 1, got ${String(slotBytes)}`);
  }
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    throw new RangeError(`prefetch: timeout must be a number of ms > 0, got ${String(timeout)}`);
  }
  if (options.onWorkerStart !== undefined && typeof options.onWorkerStart !== 'string') {
    throw new TypeError('prefetch: onWorkerStart must be the name of an exposed function');
  }
  if (options.store !== undefined && !(options.store instanceof SharedStore)) {
    throw new TypeError('prefetch: store must be a SharedStore');
  }
}

function defaultWorkers(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
  return Math.min(MAX_WORKERS, Math.max(1, n - 1));
}

/** Whether memory can be shared with workers here: always in Node, only when cross-origin isolated in a page. */
function canShare(): boolean {
  if (isNode) return true;
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

let warnedTransfer = false;

/** Closes prefetches that were dropped without `close()`, so their workers do not outlive them. */
const dropped = new FinalizationRegistry<Reader>((reader) => void reader.close(closedError()));

class Prefetched<T> implements PrefetchedSeq<T> {
  readonly length: number;
  readonly transport: 'shared' | 'transfer' | 'async';

  constructor(
    private readonly reader: Reader,
    backend: Backend,
    length: number,
  ) {
    this.length = length;
    this.transport = backend.transport;
  }

  get(i: number): Promise<T> {
    return this.read(i, 'get', false) as Promise<T>;
  }

  lease(i: number): Promise<Lease<T>> {
    return this.read(i, 'lease', true) as Promise<Lease<T>>;
  }

  private read(i: number, what: string, lease: boolean): Promise<unknown> {
    let index: number;
    try {
      index = normalizeIndex(i, this.length, `prefetch.${what}`);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.reader.read(index, lease);
  }

  async close(): Promise<void> {
    dropped.unregister(this);
    await this.reader.close(closedError());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Zero-copy views in index order; each is valid until the loop asks for the
   * next. Written out rather than as an async generator, which costs a
   * generator resume and more promise steps per element on the hot path.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    let next = 0;
    let held: Lease<T> | undefined;
    let ended = false;
    const end = (): IteratorResult<T> => {
      ended = true;
      held?.release();
      held = undefined;
      return { done: true, value: undefined };
    };
    return {
      next: () => {
        held?.release();
        held = undefined;
        if (ended || next >= this.length) return Promise.resolve(end());
        return this.lease(next++).then(
          (lease) => {
            if (ended) return lease.release(), end();
            held?.release(); // a step asked for before the last one arrived
            held = lease;
            return { done: false, value: lease.value };
          },
          (error: unknown) => {
            end();
            throw error;
          },
        );
      },
      return: () => Promise.resolve(end()),
    };
  }
}

/**
 * Evaluates elements of `seq` ahead of the reader.
 *
 * ```ts
 * const p = prefetch(smap(fns.decode, files), { workers: 2, maxBuffered: 16 });
 * for await (const image of p) draw(image); // each view valid until the next step
 * await p.close();
 * ```
 */
export function prefetch<T>(seq: Seq<T>, options: PrefetchOptions = {}): PrefetchedSeq<Settled<T>> {
  if (options === null || typeof options !== 'object') throw new TypeError('prefetch: options must be an object');
  checkOptions(options);
  const site = creationSite();
  const method = options.method ?? 'worker';
  const workers = options.workers ?? defaultWorkers();
  const maxBuffered = options.maxBuffered ?? Math.max(1, 2 * workers);
  const length = seq.length;

  const reader = new Reader({
    length,
    maxBuffered,
    errorFor: (index, outcome) => elementError(index, outcome.error, site),
  });

  let backend: Backend;
  if (method === 'async' || workers === 0) {
    backend = new AsyncBackend(reader, seq as Seq<unknown>, Math.max(1, workers), maxBuffered);
  } else {
    const { plan, factory } = toPlan(seq as Seq<unknown>); // throws TypeError naming a step that cannot run in a worker
    let transport: 'shared' | 'transfer' = canShare() ? 'shared' : 'transfer';
    if (options.debug?.transport === 'transfer') transport = 'transfer';
    else if (transport === 'transfer' && !warnedTransfer) {
      warnedTransfer = true;
      console.warn(
        'seqring: this page is not cross-origin isolated, so prefetch transfers buffers instead of sharing a ring (slower). ' +
          'Serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.',
      );
    }
    backend = new WorkerBackend(reader, {
      transport,
      plan,
      length,
      factory,
      workers,
      maxBuffered,
      slotBytes: options.slotBytes,
      onWorkerStart: options.onWorkerStart,
      timeout: options.timeout,
      errorMode: seterr(),
      // A plan with kernel steps needs them all compiled; otherwise workers get what is compiled
      // already, for kernels the user's worker functions call themselves (Modules cost no copy).
      kernelModules: async () =>
        (plan.usesKernels ? await kernelModules() : loadedKernelModules()) as unknown as Record<string, KernelModuleEntry> | undefined,
      poison: options.debug?.poisonReleased === true,
      // Without shared memory there is no ring to place (nor a store: it needs shared memory too).
      store: transport === 'shared' ? options.store : undefined,
    });
  }
  reader.attach(backend);
  const p = new Prefetched<Settled<T>>(reader, backend, length);
  dropped.register(p, reader, p);

  const signal = options.signal;
  if (signal) {
    if (signal.aborted) void reader.close(signal.reason ?? closedError());
    else signal.addEventListener('abort', () => void reader.close(signal.reason ?? closedError()), { once: true });
  }
  return p;
}
