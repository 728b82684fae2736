/**
 * Eager argument checks shared by the combinator factories, so that every
 * factory rejects bad input the same way and names itself and the argument.
 */
import { describeValue } from '../seq/indexing.js';
import { Seq } from '../seq/seq.js';

/** TypeError unless `f` is a function. */
export function checkFunction(f: unknown, where: string, what: string): void {
  if (typeof f !== 'function') {
    throw new TypeError(`${where}: ${what} must be a function, got ${describeValue(f)}`);
  }
}

/** TypeError for a non-integer, RangeError below `min`: a count or size. */
export function checkCount(n: unknown, where: string, what: string, min = 0): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new TypeError(`${where}: ${what} must be an integer >= ${min}, got ${describeValue(n)}`);
  }
  if (n < min) throw new RangeError(`${where}: ${what} must be an integer >= ${min}, got ${n}`);
}

/** RangeError unless the sequence is finite (for operations that need its end). */
export function checkFinite(s: Seq<unknown>, where: string, what = 'sequence'): void {
  if (s.length === Infinity) throw new RangeError(`${where}: ${what} must be finite, got an unbounded sequence`);
}

/** `checkInteger` plus a range check: a position into a sequence of `length`, negatives from the end. */
export function checkPosition(j: unknown, length: number, where: string, what: string): number {
  if (typeof j !== 'number' || !Number.isInteger(j)) {
    throw new TypeError(`${where}: ${what} must be an integer, got ${describeValue(j)}`);
  }
  const p = j < 0 ? j + length : j;
  if (p < 0 || p >= length) {
    throw new RangeError(`${where}: ${what} is ${j}, out of range for length ${length}`);
  }
  return p;
}

/** Reads element `i` of a `Seq` or array-like value (used for values assigned to groups). */
export function itemsOf<T>(values: unknown, where: string): ArrayLike<T> {
  if (values instanceof Seq) return values.toArray() as T[];
  if (values !== null && typeof values === 'object') {
    const n = (values as { length?: unknown }).length;
    if (typeof n === 'number' && Number.isInteger(n) && n >= 0) return values as ArrayLike<T>;
    if (Symbol.iterator in values) return Array.from(values as Iterable<T>);
  }
  throw new TypeError(`${where}: expected an array, typed array or Seq of values, got ${describeValue(values)}`);
}
