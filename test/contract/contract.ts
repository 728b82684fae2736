/**
 * The `Seq` contract (after Arrow's `basicVectorTests`): one helper that
 * checks a sequence against a plain-array oracle — length, `get` with
 * negative indexes, bad indexes, iteration, `toArray`, random Python slices
 * and slices of slices, and writes through views — for every combinator and
 * for slices of each. Randomness is seeded (mulberry32) and the seed printed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Seq, factories } from '../../src/ops/index.js';
import { mulberry32 } from '../helpers/random.js';

export { mulberry32 };


export function randomSeed(): number {
  const fromEnv = Number(process.env.SEQRING_SEED);
  return Number.isInteger(fromEnv) && process.env.SEQRING_SEED ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

/** Python's `slice.indices(length)`, written out from the language reference. */
export function pyIndices(length: number, start?: number, stop?: number, step = 1): [number, number, number] {
  const lower = step < 0 ? -1 : 0;
  const upper = step < 0 ? length - 1 : length;
  const clamp = (i: number) => (i < 0 ? Math.max(i + length, lower) : Math.min(i, upper));
  const a = start === undefined ? (step < 0 ? upper : lower) : clamp(start);
  const b = stop === undefined ? (step < 0 ? lower : upper) : clamp(stop);
  return [a, b, step];
}

/** Positions of `arr[start:stop:step]` in `arr`. */
export function pyPositions(length: number, start?: number, stop?: number, step = 1): number[] {
  const [a, b, c] = pyIndices(length, start, stop, step);
  const out: number[] = [];
  for (let i = a; c > 0 ? i < b : i > b; i += c) out.push(i);
  return out;
}

export function pySlice<T>(arr: readonly T[], start?: number, stop?: number, step = 1): T[] {
  return pyPositions(arr.length, start, stop, step).map((i) => arr[i]);
}

type Bounds = [number | undefined, number | undefined, number | undefined];

function randomBounds(rand: () => number, length: number): Bounds {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const maybe = (f: () => number) => (rand() < 0.2 ? undefined : f());
  const steps = [-4, -3, -2, -1, 1, 2, 3, 4];
  return [
    maybe(() => int(-length - 3, length + 3)),
    maybe(() => int(-length - 3, length + 3)),
    maybe(() => steps[int(0, steps.length - 1)]),
  ];
}

/** Comparable form of an element: sub-sequences (from `split`) as arrays, typed arrays as arrays. */
export function plain(v: unknown): unknown {
  if (v instanceof Seq) return v.toArray().map(plain);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

export interface ContractOptions<T> {
  /** Whether writes must go through (default false: writes must throw TypeError). */
  writable?: boolean;
  /** A fresh value to write at `position` of the sequence; `salt` tells writes apart. */
  newValue?: (position: number, salt: number) => T;
  /** Random slices to check (default 60). */
  slices?: number;
  /** Check `describe()` through `factories` (default true). */
  rebuild?: boolean;
}

/**
 * Registers a `describe` block checking `sequence` against `oracle` (an
 * array, or a function recomputing it from the sources after writes).
 */
export function checkSeqContract<T>(
  name: string,
  sequence: Seq<T>,
  oracle: readonly T[] | (() => readonly T[]),
  options: ContractOptions<T> = {},
): void {
  const expected = () => (typeof oracle === 'function' ? oracle() : oracle).map(plain);
  const { writable = false, slices = 60, rebuild = true } = options;
  const newValue = options.newValue ?? ((position: number, salt: number) => -(salt * 100000 + position) - 1 as T);

  describe(`contract: ${name}`, () => {
    test('has the length of the oracle', () => {
      assert.equal(sequence.length, expected().length);
    });

    test('get returns every element, and negative indexes count from the end', () => {
      const want = expected();
      const n = want.length;
      for (let i = 0; i < n; i++) assert.deepEqual(plain(sequence.get(i)), want[i], `get(${i})`);
      for (let i = 1; i <= n; i++) assert.deepEqual(plain(sequence.get(-i)), want[n - i], `get(${-i})`);
    });

    test('indexes outside [-length, length) throw RangeError', () => {
      const n = sequence.length;
      for (const i of [n, n + 1, -n - 1, -n - 100, 2 ** 53 - 1]) {
        assert.throws(() => sequence.get(i), RangeError, `get(${i})`);
      }
    });

    test('non-integer indexes throw TypeError', () => {
      for (const i of [1.5, NaN, '1', Infinity, -0.5, null, undefined]) {
        assert.throws(() => sequence.get(i as unknown as number), TypeError, `get(${String(i)})`);
      }
    });

    test('iterates in order, and toArray matches', () => {
      assert.deepEqual([...sequence].map(plain), expected());
      assert.deepEqual(sequence.toArray().map(plain), expected());
    });

    test('random slices and slices of slices match Python slicing', (t) => {
      const seed = randomSeed();
      t.diagnostic(`seed ${seed}`);
      const rand = mulberry32(seed);
      const want = expected();
      for (let round = 0; round < slices; round++) {
        const [a, b, c] = randomBounds(rand, want.length);
        const view = sequence.slice(a, b, c);
        const wantView = pySlice(want, a, b, c);
        const where = `seed ${seed}: slice(${a}, ${b}, ${c})`;
        assert.equal(view.length, wantView.length, where);
        assert.deepEqual(view.toArray().map(plain), wantView, where);
        if (wantView.length > 0) assert.deepEqual(plain(view.get(-1)), wantView[wantView.length - 1], where);
        assert.throws(() => view.get(wantView.length), RangeError, where);
        const [d, e, f] = randomBounds(rand, wantView.length);
        const inner = view.slice(d, e, f);
        assert.deepEqual(inner.toArray().map(plain), pySlice(wantView, d, e, f), `${where}.slice(${d}, ${e}, ${f})`);
      }
      assert.throws(() => sequence.slice(0, 1, 0), RangeError);
      assert.throws(() => sequence.slice(0.5), TypeError);
    });

    if (rebuild) {
      test('describe() rebuilds an equivalent sequence through factories', () => {
        const { op, args } = sequence.describe();
        const factory = factories[op];
        assert.equal(typeof factory, 'function', `no factory for op ${op}`);
        const rebuilt = (factory as (...a: unknown[]) => Seq<unknown>)(...args);
        assert.deepEqual(rebuilt.toArray().map(plain), expected());
      });
    }

    if (writable) {
      test('writes through slice views reach the sources', (t) => {
        assert.equal(sequence.writable, true);
        const seed = randomSeed();
        t.diagnostic(`seed ${seed}`);
        const rand = mulberry32(seed);
        let salt = 1;
        for (let round = 0; round < 20; round++) {
          const n = sequence.length;
          const [a, b, c] = randomBounds(rand, n);
          const view = sequence.slice(a, b, c);
          const positions = pyPositions(n, a, b, c);
          const where = `seed ${seed}: slice(${a}, ${b}, ${c})`;
          if (positions.length === 0) {
            view.assign([]);
            assert.throws(() => view.assign([newValue(0, salt++)]), RangeError, where);
            continue;
          }
          // One element, by a negative index into the view.
          const k = Math.floor(rand() * positions.length);
          view.set(k - positions.length, newValue(positions[k], salt++));
          assert.deepEqual(sequence.toArray().map(plain), expected(), `${where}.set(${k - positions.length})`);
          // The whole view at once.
          const whole = salt++;
          view.assign(positions.map((p) => newValue(p, whole)));
          assert.deepEqual(sequence.toArray().map(plain), expected(), `${where}.assign(…)`);
          // Through a slice of the view, with a reversed step.
          const inner = view.slice(undefined, undefined, -2);
          const innerPositions = pySlice(positions, undefined, undefined, -2);
          const reversed = salt++;
          inner.assign(innerPositions.map((p) => newValue(p, reversed)));
          assert.deepEqual(sequence.toArray().map(plain), expected(), `${where}.slice(,,-2).assign(…)`);
          assert.throws(() => view.assign(positions.slice(1).map((p) => newValue(p, 0))), RangeError, where);
        }
      });
    } else {
      test('is read-only, through slice views too', () => {
        assert.equal(sequence.writable, false);
        const value = newValue(0, 1);
        assert.throws(() => sequence.set(0, value), TypeError);
        assert.throws(() => sequence.slice(0, 1).assign([value]), TypeError);
        assert.throws(() => sequence.slice(undefined, undefined, -1).set(0, value), TypeError);
      });
    }
  });
}

/** The contract for an unbounded sequence, against `at(i)`, recomputed live. */
export function checkUnboundedContract<T>(
  name: string,
  sequence: Seq<T>,
  at: (i: number) => T,
  options: { writable?: boolean; newValue?: (position: number, salt: number) => T; rebuild?: boolean } = {},
): void {
  const { writable = false, rebuild = true } = options;
  const newValue = options.newValue ?? ((position: number, salt: number) => -(salt * 100000 + position) - 1 as T);
  const probes = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 1000, 12345, 2 ** 31 + 7, 2 ** 40 + 3];
  describe(`contract (unbounded): ${name}`, () => {
    test('is unbounded, and reads far indexes', () => {
      assert.equal(sequence.length, Infinity);
      for (const i of probes) assert.deepEqual(plain(sequence.get(i)), plain(at(i)), `get(${i})`);
    });
    test('negative indexes, open slices and toArray throw RangeError', () => {
      assert.throws(() => sequence.get(-1), RangeError);
      assert.throws(() => sequence.slice(), RangeError);
      assert.throws(() => sequence.slice(0), RangeError);
      assert.throws(() => sequence.slice(-5, 10), RangeError);
      assert.throws(() => sequence.slice(10, 0, -1), RangeError);
      assert.throws(() => sequence.toArray(), RangeError);
      assert.throws(() => sequence.get(1.5), TypeError);
    });
    test('iterates without end, in order', () => {
      let i = 0;
      for (const v of sequence) {
        assert.deepEqual(plain(v), plain(at(i)));
        if (++i === 50) break;
      }
      assert.equal(i, 50);
    });
    test('slices with explicit bounds are finite views', (t) => {
      const seed = randomSeed();
      t.diagnostic(`seed ${seed}`);
      const rand = mulberry32(seed);
      for (let round = 0; round < 30; round++) {
        const start = Math.floor(rand() * 1000);
        const stop = start + Math.floor(rand() * 40);
        const step = 1 + Math.floor(rand() * 4);
        const view = sequence.slice(start, stop, step);
        const want: unknown[] = [];
        for (let i = start; i < stop; i += step) want.push(plain(at(i)));
        assert.deepEqual(view.toArray().map(plain), want, `seed ${seed}: slice(${start}, ${stop}, ${step})`);
        const back = view.slice(undefined, undefined, -1);
        assert.deepEqual(back.toArray().map(plain), want.reverse());
      }
    });
    if (rebuild) {
      test('describe() rebuilds an equivalent sequence through factories', () => {
        const { op, args } = sequence.describe();
        const rebuilt = (factories[op] as (...a: unknown[]) => Seq<unknown>)(...args);
        assert.equal(rebuilt.length, Infinity);
        for (const i of probes) assert.deepEqual(plain(rebuilt.get(i)), plain(at(i)));
      });
    }
    if (writable) {
      test('writes go through to the sources', () => {
        let salt = 1;
        for (const i of [0, 7, 12345, 2 ** 31 + 7]) {
          const v = newValue(i, salt++);
          sequence.slice(i, i + 3).set(0, v);
          assert.deepEqual(plain(sequence.get(i)), plain(v));
          assert.deepEqual(plain(at(i)), plain(v));
        }
      });
    } else {
      test('is read-only', () => {
        assert.throws(() => sequence.set(0, newValue(0, 1)), TypeError);
      });
    }
  });
}
