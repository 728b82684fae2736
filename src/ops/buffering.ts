/**
 * Buffering (SeqTools `buffering.py`): keep recently read values so that
 * re-reading them does not re-evaluate the pipeline.
 */
import { Seq, asSeq, type Description, type SeqLike } from '../seq/seq.js';
import { checkCount } from './validate.js';
import { PassThrough } from '../seq/view.js';

class CachedSeq<T> extends PassThrough<T> {
  /** Insertion order is recency order: the first key is the least recently read. */
  private readonly recent = new Map<number, T>();

  constructor(
    source: Seq<T>,
    readonly cacheSize: number,
  ) {
    super(source);
  }
  protected at(i: number): T {
    const recent = this.recent;
    if (recent.has(i)) {
      const value = recent.get(i) as T;
      recent.delete(i);
      recent.set(i, value);
      return value;
    }
    const value = Seq.read(this.source, i);
    recent.set(i, value);
    if (recent.size > this.cacheSize) recent.delete(recent.keys().next().value as number);
    return value;
  }
  protected override setAt(i: number, value: T): void {
    Seq.write(this.source, i, value);
    if (this.recent.has(i)) this.recent.set(i, value);
  }
  describe(): Description {
    return { op: 'addCache', args: [this.source, this.cacheSize] };
  }
}

/**
 * Keeps the `cacheSize` most recently read values (a reference to each), so
 * reading them again does not re-evaluate them. Writes go through to the
 * source and update the cached value.
 *
 * @example
 * let calls = 0;
 * const slow = smap((x: number) => (calls++, x * 2), [1, 2, 3]);
 * const cached = addCache(slow, 2);
 * cached.get(1); cached.get(1); // calls === 1
 */
export function addCache<T>(sequence: SeqLike<T>, cacheSize = 1): Seq<T> {
  const source = asSeq(sequence, 'addCache');
  checkCount(cacheSize, 'addCache', 'cacheSize', 1);
  return new CachedSeq(source, cacheSize);
}
