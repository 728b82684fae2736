/** The `Seq` base as the combinators rely on it: index checks, slice views, assign. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { seq, Seq, arange, cycle, smap } from '../../src/ops/index.js';
import { SliceView } from '../../src/seq/seq.js';
import { pySlice } from '../contract/contract.js';

describe('seq()', () => {
  test('wraps arrays, typed arrays and array-likes, and returns a Seq as is', () => {
    const s = seq([1, 2]);
    assert.equal(seq(s), s);
    assert.deepEqual(seq(Uint8Array.of(3, 4)).toArray(), [3, 4]);
    assert.deepEqual(seq({ length: 2, 0: 'a', 1: 'b' }).toArray(), ['a', 'b']);
    assert.throws(() => seq('ab' as unknown as string[]), { name: 'TypeError', message: /^seq: expected/ });
    assert.throws(() => seq(null as unknown as number[]), TypeError);
  });
  test('a frozen array is read-only', () => {
    const s = seq(Object.freeze([1, 2]));
    assert.equal(s.writable, false);
    assert.throws(() => s.set(0, 3), TypeError);
  });
});

describe('slices', () => {
  test('match Python slicing for every bound and step on small lengths', () => {
    const bounds = [undefined, -7, -4, -1, 0, 1, 3, 4, 7];
    for (const n of [0, 1, 4]) {
      const a = Array.from({ length: n }, (_, i) => i);
      const s = seq(a);
      for (const start of bounds) for (const stop of bounds) for (const step of [undefined, -3, -1, 1, 2]) {
        assert.deepEqual(s.slice(start, stop, step).toArray(), pySlice(a, start, stop, step), `n=${n} [${start}:${stop}:${step}]`);
      }
    }
  });
  test('a slice of a slice is one view of the original', () => {
    const base = arange(100);
    const inner = base.slice(10, 90, 3).slice(5, undefined, -2);
    assert.ok(inner instanceof SliceView);
    assert.equal((inner as SliceView<number>).parent, base);
    assert.deepEqual(inner.toArray(), pySlice(pySlice(base.toArray(), 10, 90, 3), 5, undefined, -2));
  });
  test('slices of unbounded sequences need explicit non-negative bounds', () => {
    const c = cycle([1, 2, 3]);
    assert.deepEqual(c.slice(2, 9, 3).toArray(), [3, 3, 3]);
    assert.throws(() => c.slice(undefined, 5), RangeError);
    assert.throws(() => c.slice(0, 5, -1), RangeError);
  });
  test('assign writes one-to-one through the view, and a length mismatch is a RangeError', () => {
    const a = [0, 1, 2, 3, 4, 5];
    seq(a).slice(undefined, undefined, -2).assign([50, 30, 10]);
    assert.deepEqual(a, [0, 10, 2, 30, 4, 50]);
    seq(a).slice(0, 2).assign(new Set([7, 8]));
    assert.deepEqual(a.slice(0, 2), [7, 8]);
    assert.throws(() => seq(a).slice(0, 2).assign([1]), { name: 'RangeError', message: /got 1 values for a view of length 2/ });
    assert.throws(() => smap((x: number) => x, a).slice(0, 1).assign([1]), TypeError);
  });
  test('error messages name the sequence and the call', () => {
    assert.throws(() => arange(3).get(3), { name: 'RangeError', message: /^arange\.get: index 3 out of range for length 3/ });
    assert.throws(() => arange(3).slice(0, 2).get(1.5), { name: 'TypeError', message: /^arange\.slice\.get: index must be an integer, got 1.5/ });
    assert.throws(() => cycle([1]).get(-1), { name: 'RangeError', message: /negative index -1 on an unbounded sequence/ });
  });
});

describe('subclassing Seq', () => {
  test('a subclass implements only at, length and describe', () => {
    class Squares extends Seq<number> {
      readonly length = 4;
      protected at(i: number): number {
        return i * i;
      }
      describe() {
        return { op: 'squares', args: [] };
      }
    }
    const s = new Squares();
    assert.deepEqual([...s], [0, 1, 4, 9]);
    assert.equal(s.get(-1), 9);
    assert.deepEqual(s.map((x) => x + 1).toArray(), [1, 2, 5, 10]);
    assert.throws(() => s.set(0, 1), { name: 'TypeError', message: /squares\.set: this sequence is read-only/ });
  });
});
