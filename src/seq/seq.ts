/**
 * The `Seq<T>` base: a lazy, random-access sequence.
 *
 * A combinator subclasses `Seq` and implements only `at(i)` (and `setAt(i, v)`
 * if writable) for `0 <= i < length`; the base adds negative indexes, bounds
 * and type checks, Python slice views, iteration and `assign`. Nothing is
 * evaluated until an element is read.
 *
 * Every subclass also says how to rebuild itself (`describe()`): the name of
 * the public factory and the arguments to call it with. That is what lets a
 * worker rebuild a pipeline from a portable plan (see `src/plan/`).
 */
import { normalizeIndex, normalizeSlice, checkInteger } from './indexing.js';
import { creationSite } from './errors.js';

/** Anything seqring accepts where a sequence is expected. */
export type SeqLike<T> = Seq<T> | ArrayLike<T>;

/** The element type of a sequence-like value. */
export type ElementOf<S> = S extends Seq<infer T> ? T : S extends ArrayLike<infer T> ? T : never;

/** How a sequence is rebuilt: `factories[op](...args)`; `args` may hold Seqs and functions. */
export interface Description {
  readonly op: string;
  readonly args: readonly unknown[];
}

export abstract class Seq<T> implements Iterable<T> {
  /** Integer >= 0, or `Infinity` for an unbounded sequence. */
  abstract readonly length: number;

  /** Where this sequence was created (user frames), for error messages. */
  createdAt: string = creationSite();

  /** Element `i`, with `0 <= i < length` already checked. */
  protected abstract at(i: number): T;

  /** Writes element `i` (`0 <= i < length` checked); read-only sequences keep this default. */
  protected setAt(_i: number, _value: T): void {
    throw new TypeError(`${this.name}: this sequence is read-only`);
  }

  /** Whether `set`/`assign` can write through this view. */
  get writable(): boolean {
    return false;
  }

  /** The user-facing name in messages (`smap`, `gather`, …). */
  get name(): string {
    return this.describe().op;
  }

  /** The factory call that rebuilds this sequence (see `src/plan/`). */
  abstract describe(): Description;

  get(i: number): T {
    return this.at(normalizeIndex(i, this.length, `${this.name}.get`));
  }

  set(i: number, value: T): void {
    const where = `${this.name}.set`;
    if (!this.writable) throw new TypeError(`${where}: this sequence is read-only`);
    this.setAt(normalizeIndex(i, this.length, where), value);
  }

  /** Python's `s[start:stop:step]`, as a lazy view that reads and writes through. */
  slice(start?: number, stop?: number, step?: number): Seq<T> {
    const b = normalizeSlice(this.length, start, stop, step, `${this.name}.slice`);
    return SliceView.of(this, b.start, b.step, b.length);
  }

  /** Writes `values` one-to-one through this view (`s[a:b] = values` in Python). */
  assign(values: Iterable<T> | ArrayLike<T>): void {
    const where = `${this.name}.assign`;
    if (!this.writable) throw new TypeError(`${where}: this sequence is read-only`);
    const items = Array.isArray(values) || isArrayLike(values) ? (values as ArrayLike<T>) : Array.from(values as Iterable<T>);
    if (items.length !== this.length) {
      throw new RangeError(`${where}: got ${items.length} values for a view of length ${this.length}`);
    }
    for (let i = 0; i < items.length; i++) this.setAt(i, items[i] as T);
  }

  toArray(): T[] {
    if (this.length === Infinity) throw new RangeError(`${this.name}.toArray: the sequence is unbounded`);
    const out = new Array<T>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.at(i);
    return out;
  }

  *[Symbol.iterator](): Iterator<T> {
    // Re-read length each step: an unbounded sequence iterates forever, as in Python.
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }

  /** @internal Reads element `i` without the checks of `get` (for combinators). */
  static read<T>(s: Seq<T>, i: number): T {
    return s.at(i);
  }

  /** @internal Writes element `i` without the checks of `set` (for combinators). */
  static write<T>(s: Seq<T>, i: number, value: T): void {
    s.setAt(i, value);
  }
}

/** `Array.isArray` for the things seqring accepts as sequences (arrays, typed arrays, array-likes). */
export function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  if (x === null || typeof x !== 'object') return false;
  const n = (x as { length?: unknown }).length;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** A plain array, typed array or array-like, seen as a writable `Seq`. */
export class ArraySeq<T> extends Seq<T> {
  constructor(readonly source: ArrayLike<T>) {
    super();
  }
  get length(): number {
    return this.source.length;
  }
  override get writable(): boolean {
    return !Object.isFrozen(this.source);
  }
  protected at(i: number): T {
    return this.source[i] as T;
  }
  protected override setAt(i: number, value: T): void {
    (this.source as { [k: number]: T })[i] = value;
  }
  describe(): Description {
    return { op: 'seq', args: [this.source] };
  }
}

/** A Python slice view. Slices of slices compose into one view of the original. */
export class SliceView<T> extends Seq<T> {
  private constructor(
    readonly parent: Seq<T>,
    readonly start: number,
    readonly step: number,
    readonly length: number,
  ) {
    super();
  }

  static of<T>(parent: Seq<T>, start: number, step: number, length: number): Seq<T> {
    if (parent instanceof SliceView) {
      const p = parent as SliceView<T>;
      return new SliceView(p.parent, p.start + start * p.step, step * p.step, length);
    }
    return new SliceView(parent, start, step, length);
  }

  override get writable(): boolean {
    return this.parent.writable;
  }
  override get name(): string {
    return `${this.parent.name}.slice`;
  }
  protected at(i: number): T {
    return Seq.read(this.parent, this.start + i * this.step);
  }
  protected override setAt(i: number, value: T): void {
    Seq.write(this.parent, this.start + i * this.step, value);
  }
  describe(): Description {
    return { op: 'sliceView', args: [this.parent, this.start, this.step, this.length] };
  }
}

/** Wraps an array-like as a `Seq`; a `Seq` is returned as is. */
export function seq<T>(source: SeqLike<T>): Seq<T> {
  if (source instanceof Seq) return source;
  if (!isArrayLike(source)) {
    throw new TypeError(`seq: expected an array, typed array, array-like or Seq, got ${typeof source}`);
  }
  return new ArraySeq(source as ArrayLike<T>);
}

/** `seq(x)` with the name of the calling function and argument in the message. */
export function asSeq<T>(source: SeqLike<T>, where: string, what = 'sequence'): Seq<T> {
  if (source instanceof Seq) return source;
  if (!isArrayLike(source)) {
    throw new TypeError(`${where}: ${what} must be an array, typed array, array-like or Seq, got ${source === null ? 'null' : typeof source}`);
  }
  return new ArraySeq(source as ArrayLike<T>);
}

export { checkInteger };
