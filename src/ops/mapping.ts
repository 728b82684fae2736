/**
 * Mapping (SeqTools `mapping.py`): element-wise function application,
 * evaluated on demand.
 */
import { Seq, asSeq, type Description, type ElementOf, type SeqLike } from '../seq/seq.js';
import { wrapError } from '../seq/errors.js';
import { checkFunction } from './validate.js';

/** The element types of a tuple of sequences: `[Seq<A>, B[]]` → `[A, B]`. */
export type ElementsOf<S extends readonly unknown[]> = { [K in keyof S]: ElementOf<S[K]> };

class Mapping<R> extends Seq<R> {
  private readonly first: Seq<unknown>;

  constructor(
    readonly f: (...args: never[]) => R,
    readonly sequences: readonly Seq<unknown>[],
  ) {
    super();
    this.first = sequences[0];
  }

  get length(): number {
    return this.first.length;
  }

  protected at(i: number): R {
    const f = this.f as (...args: unknown[]) => R;
    const seqs = this.sequences;
    try {
      if (seqs.length === 1) return f(Seq.read(this.first, i));
      const args = new Array<unknown>(seqs.length);
      for (let k = 0; k < seqs.length; k++) args[k] = Seq.read(seqs[k], i);
      return f(...args);
    } catch (error) {
      throw wrapError(error, i, 'smap', this.createdAt);
    }
  }

  describe(): Description {
    return { op: 'smap', args: [this.f, ...this.sequences] };
  }
}

/**
 * Maps `f` over one or more sequences, lazily: element `i` is
 * `f(a[i], b[i], …)`, computed each time it is read. The length is that of
 * the first sequence; the others must be at least as long (they may be
 * unbounded). Errors thrown by `f` are wrapped in an `EvaluationError` that
 * names the element and where this `smap` was created (see `seterr`).
 *
 * @example
 * const squares = smap((x: number) => x * x, [1, 2, 3]);
 * squares.get(2); // 9
 * const sums = smap((a: number, b: number) => a + b, [1, 2], [10, 20]);
 * sums.toArray(); // [11, 22]
 */
export function smap<S extends readonly SeqLike<unknown>[], R>(
  f: (...args: ElementsOf<S>) => R,
  ...sequences: S
): Seq<R> {
  checkFunction(f, 'smap', 'f');
  if (sequences.length === 0) throw new RangeError('smap: at least one sequence is needed, got none');
  const seqs = sequences.map((s, k) => asSeq(s, 'smap', `sequence ${k}`));
  const n = seqs[0].length;
  for (let k = 1; k < seqs.length; k++) {
    if (seqs[k].length < n) {
      throw new RangeError(
        `smap: sequence ${k} has length ${seqs[k].length}, shorter than the first sequence (${n})`,
      );
    }
  }
  return new Mapping(f as (...args: never[]) => R, seqs);
}

class StarMapping<R> extends Seq<R> {
  constructor(
    readonly f: (...args: never[]) => R,
    readonly source: Seq<ArrayLike<unknown> | Iterable<unknown>>,
  ) {
    super();
  }

  get length(): number {
    return this.source.length;
  }

  protected at(i: number): R {
    try {
      const args = Seq.read(this.source, i);
      const list = Array.isArray(args) ? args : Array.from(args as ArrayLike<unknown>);
      return (this.f as (...a: unknown[]) => R)(...list);
    } catch (error) {
      throw wrapError(error, i, 'starmap', this.createdAt);
    }
  }

  describe(): Description {
    return { op: 'starmap', args: [this.f, this.source] };
  }
}

/**
 * Maps `f` over a sequence of argument lists: element `i` is `f(...seq[i])`.
 *
 * @example
 * const pairs = [[1, 2], [3, 4]] as [number, number][];
 * starmap((a: number, b: number) => a * b, pairs).toArray(); // [2, 12]
 */
export function starmap<A extends readonly unknown[], R>(f: (...args: A) => R, sequence: SeqLike<A>): Seq<R> {
  checkFunction(f, 'starmap', 'f');
  return new StarMapping(f as unknown as (...args: never[]) => R, asSeq(sequence, 'starmap'));
}
