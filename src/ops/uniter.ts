/**
 * `uniter`: random access over a plain iterable (SeqTools `indexing.py`),
 * by advancing iterators and restarting them when a read goes backwards.
 */
import { Seq, type Description } from '../seq/seq.js';
import { wrapError } from '../seq/errors.js';
import { describeValue } from '../seq/indexing.js';
import { checkCount } from './validate.js';

export interface UniterOptions {
  /** How many recently seen values to keep (default 0). */
  cacheSize?: number;
  /** How many iterators to keep at different positions (default 1). */
  nParallel?: number;
  /** The number of items, when known; else the length is `Infinity`. */
  size?: number;
}

interface Cursor<T> {
  iterator: Iterator<T>;
  /** Index of the next value `iterator.next()` yields. */
  next: number;
}

class UnIter<T> extends Seq<T> {
  readonly length: number;
  private readonly cursors: Cursor<T>[] = [];
  private readonly recent = new Map<number, T>();
  /** One-shot iterators (generators) cannot be restarted. */
  private restartable = true;
  private started = false;

  constructor(
    readonly iterable: Iterable<T>,
    private readonly cacheSize: number,
    private readonly nParallel: number,
    private readonly size: number | undefined,
  ) {
    super();
    this.length = size === undefined ? Infinity : size;
  }

  private remember(i: number, value: T): void {
    if (this.cacheSize === 0) return;
    this.recent.delete(i);
    this.recent.set(i, value);
    if (this.recent.size > this.cacheSize) this.recent.delete(this.recent.keys().next().value as number);
  }

  private open(i: number): Iterator<T> {
    if (this.started && !this.restartable) {
      throw new RangeError(
        `uniter: cannot go back to item ${i}: the iterable is a one-shot iterator; use a larger cacheSize or a re-iterable source`,
      );
    }
    const iterator = this.iterable[Symbol.iterator]();
    if (!this.started) this.restartable = (iterator as unknown) !== this.iterable;
    this.started = true;
    return iterator;
  }

  /** The cursor that reaches `i` soonest: the closest one not past it, else a new or restarted one. */
  private cursorFor(i: number): Cursor<T> {
    let best: Cursor<T> | undefined;
    for (const c of this.cursors) if (c.next <= i && (best === undefined || c.next > best.next)) best = c;
    if (best !== undefined) return best;
    if (this.cursors.length < this.nParallel) {
      const c = { iterator: this.open(i), next: 0 };
      this.cursors.push(c);
      return c;
    }
    // Restart the cursor furthest ahead: the others are more likely to be useful soon.
    let furthest = this.cursors[0];
    for (const c of this.cursors) if (c.next > furthest.next) furthest = c;
    furthest.iterator = this.open(i);
    furthest.next = 0;
    return furthest;
  }

  protected at(i: number): T {
    if (this.recent.has(i)) return this.recent.get(i) as T;
    const c = this.cursorFor(i);
    for (;;) {
      let step: IteratorResult<T>;
      try {
        step = c.iterator.next();
      } catch (error) {
        throw wrapError(error, c.next, 'uniter', this.createdAt);
      }
      if (step.done) {
        throw new RangeError(`uniter.get: index ${i} out of range: the iterable ended after ${c.next} items`);
      }
      const index = c.next++;
      this.remember(index, step.value);
      if (index === i) return step.value;
    }
  }

  describe(): Description {
    const options: UniterOptions = {};
    if (this.cacheSize !== 0) options.cacheSize = this.cacheSize;
    if (this.nParallel !== 1) options.nParallel = this.nParallel;
    if (this.size !== undefined) options.size = this.size;
    return { op: 'uniter', args: [this.iterable, options] };
  }
}

/**
 * Random access over a plain iterable: reading item `i` advances an iterator
 * to it, restarting one (a fresh `iterable[Symbol.iterator]()`) when the read
 * goes backwards. `cacheSize` recent values are kept; `nParallel` iterators
 * are kept at different positions. The length is `size`, or `Infinity`.
 *
 * @example
 * const lines = uniter(new Set(['a', 'b', 'c']), { size: 3, cacheSize: 2 });
 * lines.get(2); // 'c'
 * lines.get(0); // 'a' (restarts the iterator)
 */
export function uniter<T>(iterable: Iterable<T>, options: UniterOptions = {}): Seq<T> {
  if (iterable === null || typeof (iterable as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`uniter: iterable must be iterable, got ${describeValue(iterable)}`);
  }
  const { cacheSize = 0, nParallel = 1, size } = options;
  checkCount(cacheSize, 'uniter', 'cacheSize');
  checkCount(nParallel, 'uniter', 'nParallel', 1);
  if (size !== undefined) checkCount(size, 'uniter', 'size');
  return new UnIter(iterable, cacheSize, nParallel, size);
}
