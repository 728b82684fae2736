/**
 * Shape (SeqTools `shape.py`): views that assemble sequences or group their
 * elements: `collate`, `concatenate`, `batch`, `unbatch`, `split`.
 */
import { Seq, SliceView, asSeq, type Description, type ElementOf, type SeqLike } from '../seq/seq.js';
import { evaluating } from '../seq/errors.js';
import { checkCount, checkFinite, checkFunction, itemsOf } from './validate.js';
import { SourceView } from '../seq/view.js';
import type { ElementsOf } from './mapping.js';

class Collation<E extends readonly unknown[]> extends Seq<E> {
  constructor(readonly sequences: readonly Seq<unknown>[]) {
    super();
  }
  get length(): number {
    return this.sequences[0].length;
  }
  override get writable(): boolean {
    return this.sequences.every((s) => s.writable);
  }
  protected at(i: number): E {
    const out = new Array<unknown>(this.sequences.length);
    for (let k = 0; k < out.length; k++) out[k] = Seq.read(this.sequences[k], i);
    return out as unknown as E;
  }
  protected override setAt(i: number, value: E): void {
    const items = itemsOf<unknown>(value, 'collate.set');
    if (items.length !== this.sequences.length) {
      throw new RangeError(`collate.set: expected ${this.sequences.length} values (one per sequence), got ${items.length}`);
    }
    for (let k = 0; k < items.length; k++) Seq.write(this.sequences[k], i, items[k]);
  }
  describe(): Description {
    return { op: 'collate', args: [this.sequences] };
  }
}

/**
 * Zips sequences of the same length: element `i` is the array
 * `[a[i], b[i], …]`. Writable when all parts are (assigning an array writes
 * each part).
 *
 * @example
 * collate([[1, 2, 3], ['a', 'b', 'c']]).get(1); // [2, 'b']
 */
export function collate<S extends readonly SeqLike<unknown>[]>(sequences: readonly [...S]): Seq<ElementsOf<S>> {
  if (!Array.isArray(sequences)) throw new TypeError('collate: sequences must be an array of sequences');
  if (sequences.length === 0) throw new RangeError('collate: at least one sequence is needed, got none');
  const seqs = sequences.map((s, k) => asSeq(s, 'collate', `sequences[${k}]`));
  for (let k = 1; k < seqs.length; k++) {
    if (seqs[k].length !== seqs[0].length) {
      throw new RangeError(
        `collate: sequences[${k}] has length ${seqs[k].length}, expected ${seqs[0].length} (the length of sequences[0])`,
      );
    }
  }
  return new Collation<ElementsOf<S>>(seqs);
}

/** A `concatenate` view: `.sequences` are its parts, nested concatenations flattened. */
export interface ConcatenatedSeq<T> extends Seq<T> {
  readonly sequences: readonly Seq<T>[];
}

class Concatenation<T> extends Seq<T> implements ConcatenatedSeq<T> {
  /** `offsets[k]` is where part k starts; `offsets[parts]` is the length. */
  private readonly offsets: Float64Array;
  readonly length: number;

  constructor(readonly sequences: readonly Seq<T>[]) {
    super();
    this.offsets = new Float64Array(sequences.length + 1);
    for (let k = 0; k < sequences.length; k++) this.offsets[k + 1] = this.offsets[k] + sequences[k].length;
    this.length = this.offsets[sequences.length];
  }

  override get writable(): boolean {
    return this.sequences.every((s) => s.writable);
  }

  /** The last part starting at or before `i` (empty parts are skipped that way). */
  private partOf(i: number): number {
    const offsets = this.offsets;
    let lo = 0;
    let hi = this.sequences.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offsets[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  protected at(i: number): T {
    if (this.sequences.length === 1) return Seq.read(this.sequences[0], i);
    const k = this.partOf(i);
    return Seq.read(this.sequences[k], i - this.offsets[k]);
  }

  protected override setAt(i: number, value: T): void {
    const k = this.sequences.length === 1 ? 0 : this.partOf(i);
    Seq.write(this.sequences[k], i - this.offsets[k], value);
  }

  describe(): Description {
    return { op: 'concatenate', args: [this.sequences] };
  }
}

/**
 * One view over several sequences, end to end. Nested concatenations are
 * flattened (`.sequences` lists the parts). Only the last part may be
 * unbounded. Writable when all parts are.
 *
 * @example
 * concatenate([[0, 1, 2], [3, 4], [5]]).toArray(); // [0, 1, 2, 3, 4, 5]
 */
export function concatenate<S extends SeqLike<unknown>>(sequences: readonly S[]): ConcatenatedSeq<ElementOf<S>> {
  if (!Array.isArray(sequences)) throw new TypeError('concatenate: sequences must be an array of sequences');
  const parts: Seq<ElementOf<S>>[] = [];
  sequences.forEach((s, k) => {
    const part = asSeq(s, 'concatenate', `sequences[${k}]`) as Seq<ElementOf<S>>;
    if (part instanceof Concatenation) parts.push(...(part as Concatenation<ElementOf<S>>).sequences);
    else parts.push(part);
  });
  for (let k = 0; k < parts.length - 1; k++) {
    if (parts[k].length === Infinity) {
      throw new RangeError(`concatenate: only the last sequence may be unbounded, part ${k} of ${parts.length} is`);
    }
  }
  return new Concatenation(parts);
}

/** Options of `batch`. */
export interface BatchOptions<T> {
  /** Drop the last group when it has fewer than `k` items (default false). */
  dropLast?: boolean;
  /** Fill the last group up to `k` items with this value. */
  pad?: T;
}

class Batching<T, C> extends SourceView<C, T> {
  constructor(
    source: Seq<T>,
    readonly k: number,
    private readonly options: BatchOptions<T> & { collateFn?: (items: T[]) => C },
  ) {
    super(source);
  }
  get length(): number {
    const n = this.source.length;
    return this.options.dropLast ? Math.floor(n / this.k) : Math.ceil(n / this.k);
  }
  protected at(i: number): C {
    const start = i * this.k;
    const stop = Math.min(start + this.k, this.source.length);
    const { pad, collateFn } = this.options;
    const items = new Array<T>(pad === undefined ? stop - start : this.k);
    for (let j = start; j < stop; j++) items[j - start] = Seq.read(this.source, j);
    for (let j = stop - start; j < items.length; j++) items[j] = pad as T;
    if (collateFn === undefined) return items as unknown as C;
    return evaluating(() => collateFn(items), i, 'batch (collateFn)', this.createdAt);
  }
  protected override setAt(i: number, value: C): void {
    // A group takes as many values as it has source items: k, or fewer for
    // the last group (its padding, if any, is not written), as in SeqTools.
    const start = i * this.k;
    const stop = Math.min(start + this.k, this.source.length);
    const items = itemsOf<T>(value, 'batch.set');
    if (items.length !== stop - start) {
      throw new RangeError(`batch.set: group ${i} takes ${stop - start} values, got ${items.length}`);
    }
    for (let j = start; j < stop; j++) Seq.write(this.source, j, items[j - start]);
  }
  describe(): Description {
    return { op: 'batch', args: [this.source, this.k, { ...this.options }] };
  }
}

/**
 * Groups of `k` consecutive items. Each group is an array, or
 * `collateFn(items)` (for example a typed array). The last group is shorter
 * unless `dropLast` (dropped) or `pad` (filled up to `k`). Writable when the
 * source is: assign a group's items (the padded last group takes only its
 * real items).
 *
 * @example
 * batch([0, 1, 2, 3, 4], 2).toArray();          // [[0, 1], [2, 3], [4]]
 * batch([0, 1, 2, 3, 4], 2, { pad: -1 }).get(-1); // [4, -1]
 * batch([0, 1, 2, 3], 2, { collateFn: (xs) => Float32Array.from(xs) }).get(0); // Float32Array [0, 1]
 */
export function batch<T, C>(
  sequence: SeqLike<T>,
  k: number,
  options: BatchOptions<T> & { collateFn: (items: T[]) => C },
): Seq<C>;
export function batch<T>(sequence: SeqLike<T>, k: number, options?: BatchOptions<T>): Seq<T[]>;
export function batch<T, C>(
  sequence: SeqLike<T>,
  k: number,
  options: BatchOptions<T> & { collateFn?: (items: T[]) => C } = {},
): Seq<C | T[]> {
  const source = asSeq(sequence, 'batch');
  checkCount(k, 'batch', 'k', 1);
  if (options === null || typeof options !== 'object') throw new TypeError('batch: options must be an object');
  const { dropLast, pad, collateFn } = options;
  if (collateFn !== undefined) checkFunction(collateFn, 'batch', 'collateFn');
  if (dropLast !== undefined && typeof dropLast !== 'boolean') {
    throw new TypeError(`batch: dropLast must be a boolean, got ${typeof dropLast}`);
  }
  const set: BatchOptions<T> & { collateFn?: (items: T[]) => C } = {};
  if (dropLast) set.dropLast = true;
  if (pad !== undefined && !dropLast) set.pad = pad; // dropLast leaves no group to pad
  if (collateFn !== undefined) set.collateFn = collateFn;
  return new Batching<T, C | T[]>(source, k, set as BatchOptions<T> & { collateFn?: (items: T[]) => C | T[] });
}

class Unbatching<T> extends Seq<T> {
  constructor(
    readonly source: Seq<SeqLike<T>>,
    readonly batchSize: number,
    readonly lastBatchSize: number,
  ) {
    super();
  }
  get length(): number {
    const n = this.source.length;
    return n === 0 ? 0 : (n - 1) * this.batchSize + this.lastBatchSize;
  }
  protected at(i: number): T {
    const b = Math.floor(i / this.batchSize);
    const j = i - b * this.batchSize;
    const group = Seq.read(this.source, b);
    if (group instanceof Seq) {
      if (j >= group.length) throw this.short(b, group.length);
      return Seq.read(group, j);
    }
    if (group === null || typeof group !== 'object' || !(j < (group as ArrayLike<T>).length)) {
      throw this.short(b, (group as ArrayLike<T> | null)?.length);
    }
    return (group as ArrayLike<T>)[j];
  }
  private short(b: number, length: unknown): RangeError {
    return new RangeError(
      `unbatch.get: batch ${b} has ${typeof length === 'number' ? `length ${length}` : 'no length'}, fewer items than batchSize ${this.batchSize} (or lastBatchSize)`,
    );
  }
  describe(): Description {
    return { op: 'unbatch', args: [this.source, this.batchSize, this.lastBatchSize] };
  }
}

/**
 * The inverse of `batch`: one flat view over a sequence of groups of
 * `batchSize` items, the last having `lastBatchSize` (default `batchSize`).
 *
 * @example
 * unbatch([[0, 1], [2, 3], [4]], 2, 1).toArray(); // [0, 1, 2, 3, 4]
 */
export function unbatch<T>(sequence: SeqLike<SeqLike<T>>, batchSize: number, lastBatchSize = batchSize): Seq<T> {
  const source = asSeq(sequence, 'unbatch');
  checkCount(batchSize, 'unbatch', 'batchSize', 1);
  checkCount(lastBatchSize, 'unbatch', 'lastBatchSize', 1);
  if (lastBatchSize > batchSize) {
    throw new RangeError(`unbatch: lastBatchSize (${lastBatchSize}) must not exceed batchSize (${batchSize})`);
  }
  return new Unbatching(source, batchSize, lastBatchSize);
}

/** How `split` cuts: a count of equal cuts, cut indexes, or `[start, stop]` pairs. */
export type SplitEdges = number | readonly number[] | readonly (readonly [number, number])[];

class Split<T> extends SourceView<Seq<T>, T> {
  constructor(
    source: Seq<T>,
    private readonly starts: Float64Array,
    private readonly stops: Float64Array,
    private readonly edges: SplitEdges,
  ) {
    super(source);
  }
  get length(): number {
    return this.starts.length;
  }
  protected at(i: number): Seq<T> {
    return SliceView.of(this.source, this.starts[i], 1, this.stops[i] - this.starts[i]);
  }
  protected override setAt(i: number, value: Seq<T>): void {
    const items = itemsOf<T>(value, 'split.set');
    const n = this.stops[i] - this.starts[i];
    if (items.length !== n) throw new RangeError(`split.set: part ${i} takes ${n} values, got ${items.length}`);
    for (let j = 0; j < n; j++) Seq.write(this.source, this.starts[i] + j, items[j]);
  }
  describe(): Description {
    return { op: 'split', args: [this.source, this.edges] };
  }
}

/**
 * Cuts a sequence into consecutive parts, each a writable view:
 * - a number `k`: `k` equal cuts, `k + 1` parts (`k + 1` must divide the length);
 * - an array of cut indexes (increasing, in `[0, length]`);
 * - an array of `[start, stop]` pairs.
 * Assigning a part (`parts.set(i, values)`) also accepts a plain array at run
 * time; in TypeScript write `parts.get(i).assign(values)`.
 *
 * @example
 * const parts = split(['aa', 'ab', 'ba', 'bb', 'ca'], [2, 4]);
 * parts.get(1).toArray(); // ['ba', 'bb']
 * split([0, 1, 2, 3, 4, 5], 2).get(2).toArray(); // [4, 5]
 */
export function split<T>(sequence: SeqLike<T>, edges: SplitEdges): Seq<Seq<T>> {
  const source = asSeq(sequence, 'split');
  checkFinite(source, 'split');
  const n = source.length;
  const starts: number[] = [];
  const stops: number[] = [];
  if (typeof edges === 'number') {
    checkCount(edges, 'split', 'edges');
    if (n % (edges + 1) !== 0) {
      throw new RangeError(`split: ${edges} cuts give ${edges + 1} parts, which must divide the length ${n}`);
    }
    const size = n / (edges + 1);
    for (let k = 0; k <= edges; k++) {
      starts.push(k * size);
      stops.push((k + 1) * size);
    }
  } else if (Array.isArray(edges) && edges.length > 0 && Array.isArray(edges[0])) {
    (edges as readonly (readonly [number, number])[]).forEach((pair, k) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`split: edges[${k}] must be a [start, stop] pair`);
      const [start, stop] = pair;
      checkCount(start, 'split', `edges[${k}][0]`);
      checkCount(stop, 'split', `edges[${k}][1]`);
      if (start > stop || stop > n) {
        throw new RangeError(`split: edges[${k}] is [${start}, ${stop}], expected 0 <= start <= stop <= ${n}`);
      }
      starts.push(start);
      stops.push(stop);
    });
  } else if (Array.isArray(edges)) {
    let previous = 0;
    (edges as readonly number[]).forEach((cut, k) => {
      checkCount(cut, 'split', `edges[${k}]`);
      if (cut < previous || cut > n) {
        throw new RangeError(`split: edges[${k}] is ${cut}, expected cuts in increasing order within [0, ${n}]`);
      }
      starts.push(previous);
      stops.push(cut);
      previous = cut;
    });
    starts.push(previous);
    stops.push(n);
  } else {
    throw new TypeError('split: edges must be a number, an array of cut indexes or an array of [start, stop] pairs');
  }
  return new Split(source, Float64Array.from(starts), Float64Array.from(stops), edges);
}
