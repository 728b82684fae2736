/**
 * Index handling in exactly one place: every `get`/`set`/`slice` in seqring
 * goes through these functions, so every combinator agrees on what a bad
 * index is and says so the same way.
 */

/** Throws TypeError unless `i` is an integer number (not NaN, not 1.5, not '1'). */
export function checkInteger(i: unknown, where: string, what = 'index'): asserts i is number {
  if (typeof i !== 'number' || !Number.isInteger(i)) {
    throw new TypeError(`${where}: ${what} must be an integer, got ${describeValue(i)}`);
  }
}

/**
 * Turns a user index into a position in `[0, length)`.
 * Negative indexes count from the end; on an unbounded sequence they are an error.
 */
export function normalizeIndex(i: unknown, length: number, where: string): number {
  checkInteger(i, where);
  if (i < 0) {
    if (length === Infinity) {
      throw new RangeError(`${where}: negative index ${i} on an unbounded sequence`);
    }
    i += length;
  }
  if (i < 0 || i >= length) {
    throw new RangeError(`${where}: index ${i < 0 ? i - length : i} out of range for length ${length}`);
  }
  return i;
}

/** A resolved Python slice: element k of the view is `start + k * step`, for k < length. */
export interface SliceBounds {
  readonly start: number;
  readonly step: number;
  readonly length: number;
}

/**
 * Python's `slice.indices(length)` followed by the view length.
 * `undefined` plays the part of `None`.
 */
export function normalizeSlice(
  length: number,
  start: number | undefined,
  stop: number | undefined,
  step: number | undefined,
  where: string,
): SliceBounds {
  if (step === undefined) step = 1;
  checkInteger(step, where, 'step');
  if (step === 0) throw new RangeError(`${where}: slice step cannot be zero`);
  if (start !== undefined && start !== null) checkInteger(start, where, 'start');
  if (stop !== undefined && stop !== null) checkInteger(stop, where, 'stop');

  if (length === Infinity) {
    if (start == null || stop == null || start < 0 || stop < 0 || step < 0) {
      throw new RangeError(
        `${where}: a slice of an unbounded sequence needs non-negative start and stop and a positive step`,
      );
    }
    const n = stop > start ? Math.ceil((stop - start) / step) : 0;
    return { start, step, length: n };
  }

  let lo: number;
  let hi: number;
  if (step > 0) {
    lo = start == null ? 0 : clampIndex(start, length, 0, length);
    hi = stop == null ? length : clampIndex(stop, length, 0, length);
    const n = hi > lo ? Math.ceil((hi - lo) / step) : 0;
    return { start: lo, step, length: n };
  }
  lo = start == null ? length - 1 : clampIndex(start, length, -1, length - 1);
  hi = stop == null ? -1 : clampIndex(stop, length, -1, length - 1);
  const n = lo > hi ? Math.ceil((lo - hi) / -step) : 0;
  return { start: lo, step, length: n };
}

function clampIndex(i: number, length: number, lower: number, upper: number): number {
  if (i < 0) i += length;
  return i < lower ? lower : i > upper ? upper : i;
}

/** A short, safe rendering of a value for error messages. */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
  if (Array.isArray(v)) return `array of length ${v.length}`;
  return (v as object).constructor?.name ?? typeof v;
}
