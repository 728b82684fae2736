/**
 * Fluent methods on `Seq` (`s.map(f).batch(4)`), each a call to the
 * combinator of the same meaning in `src/ops/`. Importing this module adds
 * them (the types through module augmentation, the code on the prototype);
 * `src/ops/index.ts` imports it, so they exist whenever the ops do.
 * `prefetch` is attached by the package entry, not here (see DESIGN.md).
 */
import { Seq, type ElementOf, type SeqLike } from './seq.js';
import { smap, starmap } from '../ops/mapping.js';
import { gather, cycle, interleave, type GatheredSeq } from '../ops/indexing.js';
import { batch, unbatch, concatenate, collate, split, type BatchOptions, type SplitEdges } from '../ops/shape.js';
import { addCache } from '../ops/buffering.js';
import { debug, monitorThroughput, type DebugOptions, type ThroughputMonitor } from '../ops/instrument.js';

declare module './seq.js' {
  interface Seq<T> {
    /** `smap(f, this)`. */
    map<R>(f: (value: T) => R): Seq<R>;
    /** `starmap(f, this)`: element `i` is `f(...this[i])`. */
    starmap<A extends readonly unknown[], R>(this: Seq<A>, f: (...args: A) => R): Seq<R>;
    /** `gather(this, indexes)`. */
    gather(indexes: SeqLike<number>): GatheredSeq<T>;
    /** `take(this, indexes)`, alias of `gather`. */
    take(indexes: SeqLike<number>): GatheredSeq<T>;
    /** `batch(this, k, options)`. */
    // collateFn in method syntax keeps Seq<T> covariant in T (Seq<number> usable as Seq<unknown>).
    batch<C>(k: number, options: BatchOptions<T> & { collateFn(items: T[]): C }): Seq<C>;
    batch(k: number, options?: BatchOptions<T>): Seq<T[]>;
    /** `unbatch(this, batchSize, lastBatchSize)`. */
    unbatch<U>(this: Seq<SeqLike<U>>, batchSize: number, lastBatchSize?: number): Seq<U>;
    /** `cycle(this, limit)`. */
    cycle(limit?: number): Seq<T>;
    /** `addCache(this, cacheSize)`. */
    cache(cacheSize?: number): Seq<T>;
    /** `concatenate([this, ...others])`. */
    concat<S extends readonly SeqLike<unknown>[]>(...others: S): Seq<T | ElementOf<S[number]>>;
    /** `collate([this, ...others])`: element `i` is `[this[i], a[i], …]`. */
    collate<S extends readonly SeqLike<unknown>[]>(...others: S): Seq<[T, ...{ [K in keyof S]: ElementOf<S[K]> }]>;
    /** `interleave(this, ...others)`. */
    interleave<S extends readonly SeqLike<unknown>[]>(...others: S): Seq<T | ElementOf<S[number]>>;
    /** `split(this, edges)`. */
    split(edges: SplitEdges): Seq<Seq<T>>;
    /** `debug(this, fn, options)`. */
    debug(fn: (index: number, value: T) => void, options?: DebugOptions): Seq<T>;
    /** `monitorThroughput(this)`. */
    monitorThroughput(): ThroughputMonitor<T>;
  }
}

// The implementations: `this` is the receiver; the signatures above carry the types.
type Methods = { [K in string]: (this: Seq<unknown>, ...args: never[]) => unknown };
const methods: Methods = {
  map(this: Seq<unknown>, f: (value: unknown) => unknown) {
    return smap(f, this);
  },
  starmap(this: Seq<unknown>, f: (...args: unknown[]) => unknown) {
    return starmap(f, this as Seq<unknown[]>);
  },
  gather(this: Seq<unknown>, indexes: SeqLike<number>) {
    return gather(this, indexes);
  },
  take(this: Seq<unknown>, indexes: SeqLike<number>) {
    return gather(this, indexes);
  },
  batch(this: Seq<unknown>, k: number, options?: BatchOptions<unknown>) {
    return batch(this, k, options);
  },
  unbatch(this: Seq<unknown>, batchSize: number, lastBatchSize?: number) {
    return unbatch(this as Seq<SeqLike<unknown>>, batchSize, lastBatchSize);
  },
  cycle(this: Seq<unknown>, limit?: number) {
    return cycle(this, limit);
  },
  cache(this: Seq<unknown>, cacheSize?: number) {
    return addCache(this, cacheSize);
  },
  concat(this: Seq<unknown>, ...others: SeqLike<unknown>[]) {
    return concatenate([this, ...others]);
  },
  collate(this: Seq<unknown>, ...others: SeqLike<unknown>[]) {
    return collate([this, ...others]);
  },
  interleave(this: Seq<unknown>, ...others: SeqLike<unknown>[]) {
    return interleave(this, ...others);
  },
  split(this: Seq<unknown>, edges: SplitEdges) {
    return split(this, edges);
  },
  debug(this: Seq<unknown>, fn: (index: number, value: unknown) => void, options?: DebugOptions) {
    return debug(this, fn, options);
  },
  monitorThroughput(this: Seq<unknown>) {
    return monitorThroughput(this);
  },
};

// Non-enumerable like class methods; assigning again (a second copy of this module) is harmless.
for (const [name, method] of Object.entries(methods)) {
  Object.defineProperty(Seq.prototype, name, { value: method, writable: true, configurable: true, enumerable: false });
}

export {};
