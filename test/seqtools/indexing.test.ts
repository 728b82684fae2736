/** SeqTools' tests/test_indexing.py, ported: same scenarios, seqring's API and errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, gather, caseSeq, switchSeq, cycle, interleave, repeat, uniter } from '../../src/ops/index.js';
import { mulberry32, pySlice, randomSeed } from '../contract/contract.js';

const seed = randomSeed();
console.log(`seqtools/indexing seed ${seed}`);
const rand = mulberry32(seed);
const randint = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

test('arange matches range for the SeqTools cases, sliced too', () => {
  const cases: [number, number?, number?][] = [[10], [0], [0, -10, 1], [10, -10, -3]];
  const slices: [number?, number?, number?][] = [[undefined, undefined, undefined], [1, -1, 3], [undefined, undefined, -3]];
  for (const [a, b, c] of cases) {
    const want: number[] = [];
    const [start, stop, step] = b === undefined ? [0, a, 1] : [a, b, c ?? 1];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) want.push(i);
    const r = b === undefined ? arange(a) : arange(a, b, c);
    assert.deepEqual([...r], want);
    for (const [x, y, z] of slices) assert.deepEqual(r.slice(x, y, z).toArray(), pySlice(want, x, y, z));
  }
});

test('gather reads, slices and writes like the reindexed list', () => {
  const arr = Array.from({ length: 100 }, () => rand());
  const idx = Array.from({ length: 200 }, () => randint(-100, 99));
  const g = gather(arr, idx);
  const want = idx.map((i) => arr.at(i));
  assert.deepEqual(Array.from({ length: g.length }, (_, i) => g.get(i)), want);
  assert.deepEqual(Array.from({ length: g.length }, (_, i) => g.get(i - 200)), want);
  assert.deepEqual([...g], want);
  const [start, stop, step] = [-15, -25, -2];
  assert.deepEqual(g.slice(start, stop, step).toArray(), pySlice(want, start, stop, step));
  assert.throws(() => g.get(1.0000001), TypeError);
  assert.throws(() => g.get(200), RangeError);

  const arr1 = Array.from({ length: 100 }, () => rand());
  const arr2 = [...arr1];
  const g1 = gather(arr1, idx);
  const values = pySlice(Array.from({ length: 200 }, (_, i) => i - 200), start, stop, step);
  g1.slice(start, stop, step).assign(values);
  pySlice(idx, start, stop, step).forEach((i, k) => (arr2[i < 0 ? i + 100 : i] = values[k]));
  assert.deepEqual(arr1, arr2);
  assert.throws(() => g1.slice(start, stop, step).assign(values.slice(1)), RangeError);
  assert.throws(() => g1.set(200, 1), RangeError);
  assert.throws(() => g1.set(1.5, 1), TypeError);

  // Writes through a gather of a gather reach the original.
  const arr3 = Array.from({ length: 100 }, () => rand());
  const arr4 = [...arr3];
  const idx2 = [1, 2, -3];
  const nested = gather(gather(arr3, idx), idx2);
  for (const i of [-1, 0, 1]) {
    nested.set(i, -10 - i);
    const inner = idx.at(idx2.at(i) as number) as number;
    arr4[inner < 0 ? inner + 100 : inner] = -10 - i;
  }
  assert.deepEqual(arr3, arr4);
});

test('caseSeq picks and writes per selector', () => {
  const values = Array.from({ length: 10 }, () => Array.from({ length: 100 }, () => randint(0, 1000)));
  const selector = Array.from({ length: 100 }, () => randint(0, 9));
  const res = caseSeq(selector, ...values);
  assert.deepEqual([...res], selector.map((s, i) => values[s][i]));
  const original = values.map((v) => [...v]);
  const subset = pySlice(Array.from({ length: 100 }, (_, i) => i), 25, 75, 3);
  res.slice(25, 75, 3).assign(subset.map(() => -1));
  for (let i = 0; i < 100; i++) {
    const want = original.map((v) => v[i]);
    if (subset.includes(i)) want[selector[i]] = -1;
    assert.deepEqual(values.map((v) => v[i]), want);
  }
});

test('switchSeq picks x where the condition is true', () => {
  const t = Array.from({ length: 100 }, () => randint(0, 1000));
  const f = Array.from({ length: 100 }, () => randint(0, 1000));
  const c = Array.from({ length: 100 }, () => randint(0, 1) > 0);
  assert.deepEqual([...switchSeq(c, t, f)], c.map((x, i) => (x ? t[i] : f[i])));
});

test('cycle, bounded and not, reads, slices and writes', () => {
  const arr = Array.from({ length: 100 }, () => randint(0, 1000));
  const looped = cycle(arr, 250);
  const want = Array.from({ length: 250 }, (_, i) => arr[i % 100]);
  assert.deepEqual([...looped], want);
  assert.deepEqual(looped.slice(150, 105, -2).toArray(), pySlice(want, 150, 105, -2));

  const forever = cycle(arr);
  assert.deepEqual(Array.from({ length: 999 }, (_, i) => forever.get(i)), Array.from({ length: 999 }, (_, i) => arr[i % 100]));
  const it = forever[Symbol.iterator]();
  assert.deepEqual(Array.from({ length: 999 }, () => it.next().value), Array.from({ length: 999 }, (_, i) => arr[i % 100]));
  assert.deepEqual(forever.slice(0, 177, 4).toArray(), pySlice(Array.from({ length: 177 }, (_, i) => arr[i % 100]), 0, 177, 4));
  assert.throws(() => forever.get(-20), RangeError);
  assert.throws(() => forever.slice(-20, undefined, 4), RangeError);
  assert.throws(() => forever.get(1.5), TypeError);

  const arr2 = Array.from({ length: 100 }, () => randint(0, 1000));
  cycle(arr2, 250).slice(50, 150).assign(Array.from({ length: 100 }, (_, i) => -i));
  assert.deepEqual(arr2.slice(50), Array.from({ length: 50 }, (_, i) => -i));
  assert.deepEqual(arr2.slice(0, 50), Array.from({ length: 50 }, (_, i) => -50 - i));
});

test('interleave reads and writes round-robin', () => {
  const a1: (number | string)[] = [1, 2, 3, 4, 5];
  const a2: (number | string)[] = ['a', 'b', 'c'];
  const a3 = [0.1, 0.2, 0.3, 0.4];
  const y = interleave(a1, a2, a3);
  const want = [1, 'a', 0.1, 2, 'b', 0.2, 3, 'c', 0.3, 4, 0.4, 5];
  assert.deepEqual([...y], want);
  assert.deepEqual(Array.from({ length: y.length }, (_, i) => y.get(i)), want);
  y.set(1, -1);
  y.set(3, -2);
  y.set(-1, -3);
  assert.deepEqual(a1, [1, -2, 3, 4, -3]);
  assert.deepEqual(a2, [-1, 'b', 'c']);
  assert.deepEqual(a3, [0.1, 0.2, 0.3, 0.4]);
});

test('repeat, bounded and not, reads and writes one shared value', () => {
  const r = repeat(3, 100);
  assert.equal(r.length, 100);
  assert.deepEqual([...r], Array(100).fill(3));
  r.set(-3, 2);
  assert.equal(r.get(10), 2);
  r.slice(80, -10).assign(Array.from({ length: 10 }, (_, i) => i));
  assert.deepEqual([...r], Array(100).fill(9));

  const forever = repeat(3);
  assert.deepEqual(Array.from({ length: 100 }, (_, i) => forever.get(i)), Array(100).fill(3));
  assert.deepEqual(forever.slice(0, 100).toArray(), Array(100).fill(3));
  assert.throws(() => forever.set(-3, 2), RangeError);
  forever.set(3, 2);
  assert.equal(forever.get(10), 2);
  assert.throws(() => forever.slice(80, -10), RangeError);
  forever.slice(80, 90).assign(Array.from({ length: 10 }, (_, i) => i));
  assert.equal(forever.get(0), 9);
});

test('uniter reads any index of a range, with one or several iterators', () => {
  const iterable = { *[Symbol.iterator]() { for (let i = 0; i < 100; i++) yield i; } };
  const u = uniter(iterable, { cacheSize: 10, size: 100 });
  for (let i = 0; i < 100; i++) assert.equal(u.get(i), i);
  assert.equal(u.get(90), 90);
  for (let k = 0; k < 50; k++) {
    const i = randint(0, 99);
    assert.equal(u.get(i), i);
  }
  const parallel = uniter(iterable, { cacheSize: 10, nParallel: 5, size: 100 });
  for (let k = 0; k < 100; k++) {
    const i = randint(0, 99);
    assert.equal(parallel.get(i), i);
  }
});
