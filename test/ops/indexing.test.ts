import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  arange, gather, take, cycle, interleave, repeat, uniter, switchSeq, caseSeq, smap, seq, EvaluationError, type GatheredSeq,
} from '../../src/ops/index.js';

describe('arange', () => {
  test('is Python range, for one, two or three arguments', () => {
    assert.deepEqual(arange(4).toArray(), [0, 1, 2, 3]);
    assert.deepEqual(arange(2, 5).toArray(), [2, 3, 4]);
    assert.deepEqual(arange(10, -10, -7).toArray(), [10, 3, -4]);
    assert.deepEqual(arange(5, 2).toArray(), []);
    assert.deepEqual(arange(-3).toArray(), []);
  });
  test('rejects non-integers and a zero step', () => {
    assert.throws(() => arange(1.5), { name: 'TypeError', message: /arange: stop must be an integer/ });
    assert.throws(() => arange(NaN), TypeError);
    assert.throws(() => arange(0, 10, 0), { name: 'RangeError', message: /arange: step cannot be zero/ });
    assert.throws(() => arange(0, Infinity, -1), TypeError);
  });
});

describe('gather', () => {
  test('a gather of a gather flattens to one gather over the original', () => {
    const a = ['a', 'b', 'c', 'd', 'e'];
    const g1 = gather(a, [4, 3, -3, 0]);
    const g2 = gather(g1, [1, -1, 2]);
    const g3 = gather(g2, [2, 2, 0]);
    assert.equal(g3.source, g2.source);
    assert.deepEqual(Array.from(g2.indexes), [3, 0, 2]);
    assert.deepEqual(Array.from(g3.indexes), [2, 2, 3]);
    assert.deepEqual(g3.toArray(), ['c', 'c', 'd']);
    assert.equal(g3.describe().op, 'gather');
    assert.equal(g3.describe().args[0], g1.source);
  });
  test('keeps the given indexes reachable as .indexes, negatives included', () => {
    const idx = [2, -1, 0];
    const g: GatheredSeq<number> = gather([1, 2, 3], idx);
    assert.equal(g.indexes, idx);
    assert.deepEqual(g.toArray(), [3, 3, 1]);
  });
  test('validates indexes when the view is made, naming the bad one', () => {
    assert.throws(() => gather([1, 2, 3], [0, 3]), { name: 'RangeError', message: /gather: indexes\[1\] is 3, out of range for length 3/ });
    assert.throws(() => gather([1, 2, 3], [-4]), RangeError);
    assert.throws(() => gather([1, 2, 3], [0.5]), { name: 'TypeError', message: /gather: indexes\[0\] must be an integer, got 0.5/ });
    assert.throws(() => gather([1, 2, 3], [NaN]), TypeError);
    assert.throws(() => gather([1, 2, 3], 7 as unknown as number[]), { name: 'TypeError', message: /gather: indexes must be/ });
    assert.throws(() => gather(cycle([1]), [-1]), RangeError);
  });
  test('accepts a Seq of indexes, reading it once', () => {
    let reads = 0;
    const idx = smap((i: number) => (reads++, 4 - i), arange(5));
    const g = gather(arange(100, 105), idx);
    assert.deepEqual(g.toArray(), [104, 103, 102, 101, 100]);
    g.toArray();
    assert.equal(reads, 5);
  });
  test('writes through, and is read-only over a read-only source', () => {
    const a = [0, 0, 0];
    const g = take(a, [2, 0]);
    g.set(0, 7);
    g.slice(undefined, undefined, -1).set(0, 9);
    assert.deepEqual(a, [9, 0, 7]);
    assert.throws(() => gather(arange(3), [0]).set(0, 1), TypeError);
  });
  test('gathers from unbounded sequences with finite indexes', () => {
    assert.deepEqual(gather(cycle(['x', 'y']), [3e9, 3e9 + 1, 5]).toArray(), ['x', 'y', 'y']);
  });
});

describe('cycle', () => {
  test('is unbounded without a limit and reaches far indexes', () => {
    const c = cycle(['a', 'b', 'c']);
    assert.equal(c.length, Infinity);
    assert.equal(c.get(3e9 + 1), 'b');
  });
  test('writes go to seq[i % length]', () => {
    const a = [1, 2, 3];
    cycle(a, 10).set(-1, 0); // index 9 -> 0
    cycle(a).set(3e9 + 2, 5);
    assert.deepEqual(a, [0, 2, 5]);
  });
  test('rejects bad limits and an empty sequence', () => {
    assert.throws(() => cycle([1], -1), { name: 'RangeError', message: /cycle: limit must be an integer >= 0, got -1/ });
    assert.throws(() => cycle([1], 2.5), TypeError);
    assert.throws(() => cycle([]), { name: 'RangeError', message: /cycle: cannot cycle an empty sequence/ });
    assert.equal(cycle([], 0).length, 0);
  });
});

describe('interleave', () => {
  test('goes round-robin over the sequences still left', () => {
    const y = interleave([1, 2, 3, 4, 5], ['a', 'b', 'c'], [0.1, 0.2, 0.3, 0.4]);
    assert.deepEqual(y.toArray(), [1, 'a', 0.1, 2, 'b', 0.2, 3, 'c', 0.3, 4, 0.4, 5]);
  });
  test('works with unbounded inputs', () => {
    const y = interleave(['a'], cycle([0]), arange(10, Infinity));
    assert.equal(y.length, Infinity);
    assert.deepEqual(y.slice(0, 7).toArray(), ['a', 0, 10, 0, 11, 0, 12]);
    // After index 3 only the two unbounded inputs are left, alternating.
    assert.equal(y.get(1e9 + 2), 10 + 1 + Math.floor((1e9 + 2 - 3) / 2));
  });
  test('writes through to the sequence holding the element', () => {
    const a = [1, 2, 3, 4, 5];
    const b = ['a', 'b', 'c'];
    const y = interleave<[number[], string[]]>(a, b);
    y.set(1, 'z');
    y.set(-1, -5);
    assert.deepEqual(a, [1, 2, 3, 4, -5]);
    assert.deepEqual(b, ['z', 'b', 'c']);
    assert.equal(interleave().length, 0);
    assert.equal(interleave([1], arange(2)).writable, false);
  });
});

describe('repeat', () => {
  test('repeat(x, 1) works, unlike SeqTools', () => {
    assert.deepEqual(repeat('x', 1).toArray(), ['x']);
    assert.deepEqual(repeat('x', 0).toArray(), []);
  });
  test('writing any element replaces the value', () => {
    const r = repeat(3, 5);
    r.set(-2, 4);
    assert.deepEqual(r.toArray(), [4, 4, 4, 4, 4]);
    const forever = repeat(0);
    forever.set(1e12, 1);
    assert.equal(forever.get(0), 1);
  });
  test('rejects bad times', () => {
    assert.throws(() => repeat(1, -1), { name: 'RangeError', message: /repeat: times must be an integer >= 0, got -1/ });
    assert.throws(() => repeat(1, 1.5), TypeError);
    assert.throws(() => repeat(1, Infinity), TypeError);
  });
});

describe('uniter', () => {
  test('gives random access to an iterable by advancing and restarting iterators', () => {
    let starts = 0;
    const iterable = { *[Symbol.iterator]() { starts++; for (let i = 0; i < 100; i++) yield i * 2; } };
    const u = uniter(iterable, { size: 100 });
    assert.equal(u.length, 100);
    assert.equal(u.get(10), 20);
    assert.equal(u.get(11), 22);
    assert.equal(starts, 1);
    assert.equal(u.get(5), 10);
    assert.equal(starts, 2);
    assert.equal(u.get(-1), 198);
  });
  test('keeps cacheSize recent values and nParallel iterators', () => {
    let starts = 0;
    let steps = 0;
    const iterable = { *[Symbol.iterator]() { starts++; for (let i = 0; ; i++) { steps++; yield i; } } };
    const u = uniter(iterable, { cacheSize: 3, nParallel: 2 });
    assert.equal(u.length, Infinity);
    u.get(50);
    const before = steps;
    assert.deepEqual([u.get(48), u.get(49), u.get(50)], [48, 49, 50]);
    assert.equal(steps, before); // from the cache
    u.get(2); // a second iterator, the first stays at 51
    assert.equal(starts, 2);
    u.get(60);
    assert.equal(starts, 2);
    assert.equal(steps, before + 3 + 10); // 0..2 on the new one, 51..60 on the first
  });
  test('works with a one-shot iterator going forwards, and says why it cannot go back', () => {
    const u = uniter([1, 2, 3, 4].values(), { cacheSize: 1 });
    assert.equal(u.get(1), 2);
    assert.equal(u.get(1), 2);
    assert.equal(u.get(3), 4);
    assert.throws(() => u.get(0), { name: 'RangeError', message: /one-shot iterator/ });
  });
  test('reading past the end of the iterable throws RangeError', () => {
    assert.throws(() => uniter(new Set([1, 2])).get(5), { name: 'RangeError', message: /ended after 2 items/ });
  });
  test('wraps errors of the iterator and rejects bad options', () => {
    const bad = { *[Symbol.iterator]() { yield 1; throw new Error('disk'); } };
    assert.throws(() => uniter(bad).get(1), (e: unknown) => e instanceof EvaluationError && e.index === 1);
    assert.throws(() => uniter(5 as unknown as number[]), { name: 'TypeError', message: /uniter: iterable must be iterable/ });
    assert.throws(() => uniter([1], { nParallel: 0 }), RangeError);
    assert.throws(() => uniter([1], { cacheSize: -1 }), RangeError);
    assert.throws(() => uniter([1], { size: 1.5 }), TypeError);
  });
});

describe('switchSeq and caseSeq', () => {
  test('switchSeq picks x where the condition holds, else y, and writes there', () => {
    const x = [1, 2, 3];
    const y = [-1, -2, -3];
    const s = switchSeq([1, 0, true], x, y);
    assert.deepEqual(s.toArray(), [1, -2, 3]);
    s.set(1, 0);
    assert.deepEqual(y, [-1, 0, -3]);
  });
  test('caseSeq picks values[selector[i]][i] and writes there', () => {
    const vs = [['a0', 'a1', 'a2'], ['b0', 'b1', 'b2']];
    const c = caseSeq([1, 0, 1], ...vs);
    assert.deepEqual(c.toArray(), ['b0', 'a1', 'b2']);
    c.slice(undefined, undefined, 2).assign(['X', 'Y']);
    assert.deepEqual(vs, [['a0', 'a1', 'a2'], ['X', 'b1', 'Y']]);
  });
  test('mismatched lengths throw RangeError at once', () => {
    assert.throws(() => switchSeq([true], [1, 2], [3]), { name: 'RangeError', message: /switchSeq: x has length 2, expected 1/ });
    assert.throws(() => caseSeq([0, 1], [1, 2], [3]), { name: 'RangeError', message: /caseSeq: values\[1\] has length 1/ });
    assert.throws(() => caseSeq([0]), RangeError);
  });
  test('a selector outside the values throws when read, never a silent undefined', () => {
    const c = caseSeq(seq([0, 2, 0.5]), [1, 2, 3], [4, 5, 6]);
    assert.equal(c.get(0), 1);
    assert.throws(() => c.get(1), { name: 'RangeError', message: /caseSeq: selector\[1\] must be an integer in \[0, 2\), got 2/ });
    assert.throws(() => c.get(2), RangeError);
  });
});
