import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { collate, concatenate, batch, unbatch, split, arange, cycle, seq, smap, EvaluationError, type ConcatenatedSeq, type Seq } from '../../src/ops/index.js';

describe('collate', () => {
  test('element i is the array of the parts’ elements i', () => {
    assert.deepEqual(collate([[1, 2], ['a', 'b'], Float32Array.of(5, 6)]).get(1), [2, 'b', 6]);
  });
  test('mismatched lengths and no parts throw RangeError', () => {
    assert.throws(() => collate([[1, 2], [1]]), { name: 'RangeError', message: /collate: sequences\[1\] has length 1, expected 2/ });
    assert.throws(() => collate([]), { name: 'RangeError', message: /collate: at least one sequence/ });
  });
  test('assigning an array writes each part; a wrong count is a RangeError', () => {
    const a = [1, 2];
    const b = ['x', 'y'];
    const c = collate([a, b]);
    c.set(1, [9, 'z']);
    assert.deepEqual([a, b], [[1, 9], ['x', 'z']]);
    assert.throws(() => c.set(0, [1] as unknown as [number, string]), { name: 'RangeError', message: /collate\.set: expected 2 values/ });
    assert.throws(() => collate([a, arange(2)]).set(0, [1, 2]), TypeError);
  });
});

describe('concatenate', () => {
  test('nested concatenations flatten, and .sequences lists the parts', () => {
    const inner = concatenate([[1, 2], [3]]);
    const outer: ConcatenatedSeq<number> = concatenate([inner, [4, 5], concatenate([[6]])]);
    assert.equal(outer.sequences.length, 4);
    assert.equal(outer.sequences[0], inner.sequences[0]);
    assert.deepEqual(outer.toArray(), [1, 2, 3, 4, 5, 6]);
  });
  test('writes land in the right part', () => {
    const parts = [[0, 0], [], [0, 0, 0]];
    const c = concatenate(parts);
    c.slice(1, 4).assign([1, 2, 3]);
    assert.deepEqual(parts, [[0, 1], [], [2, 3, 0]]);
  });
  test('only the last part may be unbounded', () => {
    assert.equal(concatenate([[1], cycle([2])]).get(1e10), 2);
    assert.throws(() => concatenate([cycle([2]), [1]]), { name: 'RangeError', message: /concatenate: only the last sequence may be unbounded/ });
    assert.throws(() => concatenate('ab' as unknown as number[][]), TypeError);
  });
});

describe('batch', () => {
  test('groups of k, the last shorter, dropped or padded', () => {
    const a = arange(7);
    assert.deepEqual(batch(a, 3).toArray(), [[0, 1, 2], [3, 4, 5], [6]]);
    assert.deepEqual(batch(a, 3, { dropLast: true }).toArray(), [[0, 1, 2], [3, 4, 5]]);
    assert.deepEqual(batch(a, 3, { pad: -1 }).get(-1), [6, -1, -1]);
    assert.deepEqual(batch(a, 7).toArray(), [[0, 1, 2, 3, 4, 5, 6]]);
    assert.equal(batch([], 2).length, 0);
  });
  test('collateFn turns each group into one value', () => {
    const b = batch(arange(5), 2, { pad: 0, collateFn: (xs) => Int8Array.from(xs) });
    assert.deepEqual(b.get(2), Int8Array.of(4, 0));
  });
  test('the padded last group takes the unpadded count, as in SeqTools', () => {
    const a = [0, 1, 2, 3, 4];
    const b = batch(a, 2, { pad: -1 });
    b.set(-1, [40]);
    assert.deepEqual(a, [0, 1, 2, 3, 40]);
    assert.throws(() => b.set(-1, [40, -1]), { name: 'RangeError', message: /batch\.set: group 2 takes 1 values, got 2/ });
    b.set(0, Float64Array.of(10, 11) as unknown as number[]); // any array-like of items
    assert.deepEqual(a, [10, 11, 2, 3, 40]);
    assert.throws(() => b.set(1, 5 as unknown as number[]), TypeError);
  });
  test('rejects k <= 0, non-integer k and a non-function collateFn', () => {
    for (const k of [0, -2]) assert.throws(() => batch([1], k), { name: 'RangeError', message: new RegExp(`batch: k must be an integer >= 1, got ${k}`) });
    for (const k of [1.5, NaN, '2']) assert.throws(() => batch([1], k as number), { name: 'TypeError', message: /batch: k must be an integer/ });
    assert.throws(() => batch([1], 1, { collateFn: 3 as unknown as () => number }), { name: 'TypeError', message: /batch: collateFn must be a function/ });
  });
  test('errors of collateFn are wrapped with the group index', () => {
    const b = batch([1, 2, 3], 2, { collateFn: () => { throw new Error('x'); } });
    assert.throws(() => b.get(1), (e: unknown) => e instanceof EvaluationError && e.index === 1 && /batch/.test(e.message));
  });
  test('describes only the options that were set', () => {
    assert.deepEqual(batch([1], 1).describe().args[2], {});
    assert.deepEqual(batch([1], 1, { dropLast: false, pad: 0 }).describe().args[2], { pad: 0 });
  });
});

describe('unbatch', () => {
  test('undoes batch, including a shorter last group', () => {
    const a = arange(11);
    assert.deepEqual(unbatch(batch(a, 4), 4, 3).toArray(), a.toArray());
    // Groups may be Seqs too (the parts of a split).
    assert.deepEqual(unbatch(split(arange(10), 1), 5).toArray(), arange(10).toArray());
    assert.deepEqual(unbatch([] as number[][], 3).length, 0);
  });
  test('a group shorter than declared throws RangeError, never undefined', () => {
    const u = unbatch([[1, 2], [3]], 2);
    assert.equal(u.length, 4);
    assert.throws(() => u.get(3), { name: 'RangeError', message: /unbatch\.get: batch 1 has length 1/ });
  });
  test('rejects bad sizes', () => {
    assert.throws(() => unbatch([[1]], 0), RangeError);
    assert.throws(() => unbatch([[1]], 2, 3), { name: 'RangeError', message: /lastBatchSize \(3\) must not exceed batchSize \(2\)/ });
    assert.throws(() => unbatch([[1]], 1.5), TypeError);
  });
});

describe('split', () => {
  test('a count of cuts gives count + 1 equal parts', () => {
    const parts = split(arange(12), 2);
    assert.deepEqual(parts.toArray().map((p) => p.toArray()), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
  });
  test('cuts that do not divide the length throw RangeError', () => {
    assert.throws(() => split(arange(10), 2), { name: 'RangeError', message: /split: 2 cuts give 3 parts, which must divide the length 10/ });
    assert.throws(() => split(arange(10), -1), RangeError);
  });
  test('cut indexes and [start, stop] pairs', () => {
    const a = ['aa', 'ab', 'ac', 'ad', 'ba', 'bb', 'ca', 'cb', 'cc', 'cd'];
    assert.deepEqual(split(a, [4, 6]).toArray().map((p) => p.toArray()), [a.slice(0, 4), a.slice(4, 6), a.slice(6)]);
    assert.deepEqual(split(a, [[0, 2], [4, 6], [6, 8]]).toArray().map((p) => p.toArray()), [['aa', 'ab'], ['ba', 'bb'], ['ca', 'cb']]);
    assert.equal(split(a, []).get(0).length, 10);
  });
  test('bad edges throw, naming the edge', () => {
    assert.throws(() => split([1, 2, 3], [2, 1]), { name: 'RangeError', message: /split: edges\[1\] is 1, expected cuts in increasing order/ });
    assert.throws(() => split([1, 2, 3], [4]), RangeError);
    assert.throws(() => split([1, 2, 3], [[2, 1]]), { name: 'RangeError', message: /split: edges\[0\] is \[2, 1\]/ });
    assert.throws(() => split([1, 2, 3], [[0, 4]]), RangeError);
    assert.throws(() => split([1, 2, 3], [0.5]), TypeError);
    assert.throws(() => split(cycle([1]), 1), { name: 'RangeError', message: /split: sequence must be finite/ });
  });
  test('parts are writable views, and assigning a part writes the source', () => {
    const a = [0, 1, 2, 3, 4, 5];
    const parts = split(a, [2]);
    parts.get(0).set(1, -1);
    parts.set(1, [9, 9, 9, 9] as unknown as Seq<number>); // a plain array works at run time too
    assert.deepEqual(a, [0, -1, 9, 9, 9, 9]);
    assert.throws(() => parts.set(0, seq([1])), { name: 'RangeError', message: /split\.set: part 0 takes 2 values, got 1/ });
    assert.throws(() => split(smap((x: number) => x, a), 1).get(0).set(0, 1), TypeError);
  });
});
