/** `s.prefetch(options)`: attached here rather than in the core, which knows nothing of workers. */
import { Seq } from '../seq/seq.js';
import { prefetch, type PrefetchOptions, type PrefetchedSeq } from './prefetch.js';
import type { Settled } from './settle.js';

declare module '../seq/seq.js' {
  interface Seq<T> {
    /** `prefetch(this, options)`: evaluate elements ahead of the reader, in workers. */
    prefetch(options?: PrefetchOptions): PrefetchedSeq<Settled<T>>;
  }
}

Seq.prototype.prefetch = function <T>(this: Seq<T>, options?: PrefetchOptions): PrefetchedSeq<Settled<T>> {
  return prefetch(this, options);
};
