/**
 * Indexing (SeqTools `indexing.py`): views that pick, reorder, repeat or
 * interleave the elements of other sequences. All are lazy; the writable
 * ones write through to their sources.
 */
import { Seq, asSeq, type Description, type ElementOf, type SeqLike } from '../seq/seq.js';
import { checkInteger, describeValue } from '../seq/indexing.js';
import { checkCount, checkPosition } from './validate.js';
import { SourceView } from '../seq/view.js';

export { uniter, type UniterOptions } from './uniter.js';

class Arange extends Seq<number> {
  readonly length: number;
  constructor(
    readonly start: number,
    readonly stop: number,
    readonly step: number,
  ) {
    super();
    const span = step > 0 ? stop - start : start - stop;
    this.length = span > 0 ? (span === Infinity ? Infinity : Math.ceil(span / Math.abs(step))) : 0;
  }
  protected at(i: number): number {
    return this.start + i * this.step;
  }
  describe(): Description {
    return { op: 'arange', args: [this.start, this.stop, this.step] };
  }
}

/**
 * Python's `range` as a sequence: `arange(stop)` or `arange(start, stop, step = 1)`.
 * `stop` may be `Infinity` (with a positive step) for an unbounded count.
 *
 * @example
 * arange(5).toArray();        // [0, 1, 2, 3, 4]
 * arange(10, 0, -3).toArray(); // [10, 7, 4, 1]
 */
export function arange(stop: number): Seq<number>;
export function arange(start: number, stop: number, step?: number): Seq<number>;
export function arange(a: number, b?: number, step = 1): Seq<number> {
  const [start, stop] = b === undefined ? [0, a] : [a, b];
  checkInteger(start, 'arange', 'start');
  if (!(stop === Infinity && step > 0)) checkInteger(stop, 'arange', 'stop');
  checkInteger(step, 'arange', 'step');
  if (step === 0) throw new RangeError('arange: step cannot be zero');
  return new Arange(start, stop, step);
}

/** A `gather` view: `.indexes` are the positions in `.source`, after flattening. */
export interface GatheredSeq<T> extends Seq<T> {
  readonly source: Seq<T>;
  readonly indexes: ArrayLike<number>;
}

class Gathering<T> extends SourceView<T> implements GatheredSeq<T> {
  constructor(
    source: Seq<T>,
    readonly indexes: ArrayLike<number>,
  ) {
    super(source);
  }
  get length(): number {
    return this.indexes.length;
  }
  protected at(i: number): T {
    const j = this.indexes[i];
    return Seq.read(this.source, j < 0 ? j + this.source.length : j);
  }
  protected override setAt(i: number, value: T): void {
    const j = this.indexes[i];
    Seq.write(this.source, j < 0 ? j + this.source.length : j, value);
  }
  describe(): Description {
    return { op: 'gather', args: [this.source, this.indexes] };
  }
}

/**
 * A view of `sequence` reordered by `indexes`: element `i` is
 * `sequence[indexes[i]]` (negative indexes count from the end). A gather of
 * a gather is flattened into one gather over the original. Writable when the
 * source is. Indexes are checked when the view is made.
 *
 * @example
 * const word = gather(['d', 'e', 'h', 'l', 'o'], [2, 1, 3, 3, -1]);
 * word.toArray().join(''); // 'hello'
 */
export function gather<T>(sequence: SeqLike<T>, indexes: SeqLike<number>): GatheredSeq<T> {
  const source = asSeq(sequence, 'gather');
  // A Seq of indexes is read once here: reads must not re-evaluate it.
  const idx: ArrayLike<number> = indexes instanceof Seq ? indexes.toArray() : (asSeq(indexes, 'gather', 'indexes'), indexes);
  const n = source.length;
  for (let k = 0; k < idx.length; k++) checkPosition(idx[k], n, 'gather', `indexes[${k}]`);
  if (source instanceof Gathering) {
    // Flatten: one lookup per read however deep the nesting.
    const inner = source as Gathering<T>;
    const flat = new Float64Array(idx.length);
    const m = inner.source.length;
    for (let k = 0; k < idx.length; k++) {
      const j = idx[k] < 0 ? idx[k] + n : idx[k];
      const p = inner.indexes[j];
      flat[k] = p < 0 ? p + m : p;
    }
    return new Gathering(inner.source, flat);
  }
  return new Gathering(source, idx);
}

/** Alias of `gather`. */
export function take<T>(sequence: SeqLike<T>, indexes: SeqLike<number>): GatheredSeq<T> {
  return gather(sequence, indexes);
}

class Cycle<T> extends SourceView<T> {
  constructor(
    source: Seq<T>,
    readonly length: number,
    private readonly limit: number | undefined,
  ) {
    super(source);
  }
  protected at(i: number): T {
    return Seq.read(this.source, i % this.source.length);
  }
  protected override setAt(i: number, value: T): void {
    Seq.write(this.source, i % this.source.length, value);
  }
  describe(): Description {
    return { op: 'cycle', args: this.limit === undefined ? [this.source] : [this.source, this.limit] };
  }
}

/**
 * Repeats `sequence` end to end, forever or up to `limit` elements.
 * Writable: writes go to `sequence[i % sequence.length]`.
 *
 * @example
 * cycle(['a', 'b', 'c'], 7).toArray(); // ['a','b','c','a','b','c','a']
 * cycle(['a', 'b', 'c']).get(3e9 + 1); // 'b'
 */
export function cycle<T>(sequence: SeqLike<T>, limit?: number): Seq<T> {
  const source = asSeq(sequence, 'cycle');
  if (limit !== undefined) checkCount(limit, 'cycle', 'limit');
  const length = limit === undefined ? Infinity : limit;
  if (source.length === 0 && length > 0) throw new RangeError('cycle: cannot cycle an empty sequence');
  return new Cycle(source, length, limit);
}

class Interleaving<T> extends Seq<T> {
  readonly length: number;
  /** Stage s: `outStart[s]` is its first output index, `inStart[s]` the input position there. */
  private readonly outStart: Float64Array;
  private readonly inStart: Float64Array;
  /** The sequences still left in stage s, in argument order. */
  private readonly left: Seq<T>[][];

  constructor(readonly sequences: readonly Seq<T>[]) {
    super();
    const byLength = sequences.map((_, k) => k).sort((a, b) => sequences[a].length - sequences[b].length || a - b);
    const outStart: number[] = [];
    const inStart: number[] = [];
    const left: Seq<T>[][] = [];
    let out = 0;
    let pos = 0;
    for (let s = 0; s < byLength.length; s++) {
      const end = sequences[byLength[s]].length;
      if (end === pos) continue; // no items of its own in this stage
      const alive = byLength.slice(s).sort((a, b) => a - b);
      outStart.push(out);
      inStart.push(pos);
      left.push(alive.map((k) => sequences[k]));
      if (end === Infinity) {
        out = Infinity;
        break;
      }
      out += (end - pos) * alive.length;
      pos = end;
    }
    this.length = out;
    this.outStart = Float64Array.from(outStart);
    this.inStart = Float64Array.from(inStart);
    this.left = left;
  }

  override get writable(): boolean {
    return this.sequences.every((s) => s.writable);
  }

  /** Binary search of the stage holding output index `i`. */
  private stageOf(i: number): number {
    let lo = 0;
    let hi = this.outStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.outStart[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  protected at(i: number): T {
    const s = this.stageOf(i);
    const alive = this.left[s];
    const k = i - this.outStart[s];
    return Seq.read(alive[k % alive.length], this.inStart[s] + Math.floor(k / alive.length));
  }

  protected override setAt(i: number, value: T): void {
    const s = this.stageOf(i);
    const alive = this.left[s];
    const k = i - this.outStart[s];
    Seq.write(alive[k % alive.length], this.inStart[s] + Math.floor(k / alive.length), value);
  }

  describe(): Description {
    return { op: 'interleave', args: [...this.sequences] };
  }
}

/**
 * Round-robin over several sequences; when one runs out, the cycle goes on
 * over those still left. Works with unbounded inputs. Writable when all
 * inputs are.
 *
 * @example
 * interleave([1, 2, 3, 4, 5], ['a', 'b', 'c'], [0.1, 0.2, 0.3, 0.4]).toArray();
 * // [1, 'a', 0.1, 2, 'b', 0.2, 3, 'c', 0.3, 4, 0.4, 5]
 */
export function interleave<S extends readonly SeqLike<unknown>[]>(...sequences: S): Seq<ElementOf<S[number]>> {
  const seqs = sequences.map((s, k) => asSeq(s, 'interleave', `sequence ${k}`)) as Seq<ElementOf<S[number]>>[];
  return new Interleaving(seqs);
}

class Repetition<T> extends Seq<T> {
  constructor(
    private value: T,
    readonly length: number,
    private readonly times: number | undefined,
  ) {
    super();
  }
  override get writable(): boolean {
    return true;
  }
  protected at(_i: number): T {
    return this.value;
  }
  protected override setAt(_i: number, value: T): void {
    this.value = value;
  }
  describe(): Description {
    return { op: 'repeat', args: this.times === undefined ? [this.value] : [this.value, this.times] };
  }
}

/**
 * `times` copies of `value` (unbounded without `times`). Every element is the
 * same value: writing any element replaces it.
 *
 * @example
 * repeat(3, 4).toArray(); // [3, 3, 3, 3]
 * repeat('x').get(1e12);  // 'x'
 */
export function repeat<T>(value: T, times?: number): Seq<T> {
  if (times !== undefined) checkCount(times, 'repeat', 'times');
  return new Repetition(value, times === undefined ? Infinity : times, times);
}

class Case<T> extends Seq<T> {
  constructor(
    readonly selector: Seq<unknown>,
    readonly values: readonly Seq<T>[],
    /** `switchSeq` is a case with a boolean selector: keep how to rebuild it. */
    private readonly original: Description,
  ) {
    super();
  }
  get length(): number {
    return this.selector.length;
  }
  override get writable(): boolean {
    return this.values.every((s) => s.writable);
  }
  private choice(i: number): Seq<T> {
    const s = Seq.read(this.selector, i);
    if (this.original.op === 'switchSeq') return this.values[s ? 0 : 1];
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s >= this.values.length) {
      const Err = typeof s === 'number' ? RangeError : TypeError;
      throw new Err(
        `caseSeq: selector[${i}] must be an integer in [0, ${this.values.length}), got ${describeValue(s)}`,
      );
    }
    return this.values[s];
  }
  protected at(i: number): T {
    return Seq.read(this.choice(i), i);
  }
  protected override setAt(i: number, value: T): void {
    Seq.write(this.choice(i), i, value);
  }
  describe(): Description {
    return this.original;
  }
}

function checkSameLength(where: string, selectorName: string, selector: Seq<unknown>, values: readonly Seq<unknown>[], names: string[]): void {
  values.forEach((v, k) => {
    if (v.length !== selector.length) {
      throw new RangeError(
        `${where}: ${names[k]} has length ${v.length}, expected ${selector.length} (the length of ${selectorName})`,
      );
    }
  });
}

/**
 * Element `i` is `condition[i] ? x[i] : y[i]`. Lengths must match. Writable
 * (to the sequence chosen by the condition) when `x` and `y` are.
 *
 * @example
 * switchSeq([true, false, true], [1, 2, 3], [-1, -2, -3]).toArray(); // [1, -2, 3]
 */
export function switchSeq<A, B>(condition: SeqLike<unknown>, x: SeqLike<A>, y: SeqLike<B>): Seq<A | B> {
  const cond = asSeq(condition, 'switchSeq', 'condition');
  const xs = asSeq<A | B>(x as SeqLike<A | B>, 'switchSeq', 'x');
  const ys = asSeq<A | B>(y as SeqLike<A | B>, 'switchSeq', 'y');
  checkSameLength('switchSeq', 'condition', cond, [xs, ys], ['x', 'y']);
  return new Case(cond, [xs, ys], { op: 'switchSeq', args: [cond, xs, ys] });
}

/**
 * Element `i` is `values[selector[i]][i]`: a per-element choice between
 * sequences of the same length. Writable when all `values` are.
 *
 * @example
 * caseSeq([0, 2, 1], ['a0', 'a1', 'a2'], ['b0', 'b1', 'b2'], ['c0', 'c1', 'c2']).toArray();
 * // ['a0', 'c1', 'b2']
 */
export function caseSeq<S extends readonly SeqLike<unknown>[]>(
  selector: SeqLike<number>,
  ...values: S
): Seq<ElementOf<S[number]>> {
  const sel = asSeq(selector, 'caseSeq', 'selector');
  if (values.length === 0) throw new RangeError('caseSeq: at least one sequence of values is needed, got none');
  const seqs = values.map((v, k) => asSeq(v, 'caseSeq', `values[${k}]`)) as Seq<ElementOf<S[number]>>[];
  checkSameLength('caseSeq', 'selector', sel, seqs, seqs.map((_, k) => `values[${k}]`));
  return new Case(sel, seqs, { op: 'caseSeq', args: [sel, ...seqs] });
}
