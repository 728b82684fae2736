/** SeqTools' tests/test_shape.py, ported. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collate, concatenate, batch, split, type Seq } from '../../src/ops/index.js';
import { mulberry32, randomSeed } from '../contract/contract.js';

const seed = randomSeed();
console.log(`seqtools/shape seed ${seed}`);
const rand = mulberry32(seed);
const randint = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

test('collate zips, slices, and rejects a part of another length', () => {
  const arrs = Array.from({ length: 3 }, () => Array.from({ length: 100 }, () => rand()));
  const zipped = arrs[0].map((_, i) => arrs.map((a) => a[i]));
  const c = collate(arrs);
  assert.deepEqual([...c], zipped);
  assert.deepEqual(Array.from({ length: c.length }, (_, i) => c.get(i)), zipped);
  assert.deepEqual(c.slice(undefined, -5).toArray(), zipped.slice(0, -5));
  assert.throws(() => collate([...arrs, []]), RangeError);
});

test('concatenate chains, flattens nested ones, slices and writes', () => {
  const arrs = Array.from({ length: 5 }, () => Array.from({ length: randint(100, 200) }, () => rand()));
  const cat = concatenate(arrs);
  assert.deepEqual([...cat], arrs.flat());
  const extra = concatenate<number[] | typeof cat>([cat, [1, 2, 3, 4, 5]]);
  assert.deepEqual([...extra], [...arrs.flat(), 1, 2, 3, 4, 5]);
  assert.equal(extra.sequences.length, 6);
  assert.deepEqual(extra.slice(250).toArray(), [...arrs.flat(), 1, 2, 3, 4, 5].slice(250));

  const starts = [0, 25, 50, 75, 100];
  const arrs1 = starts.map((i) => Array.from({ length: 25 }, (_, k) => i + k));
  const arrs2 = arrs1.map((a) => [...a]);
  const cat1 = concatenate(arrs1);
  starts.forEach((i, j) => {
    const values = Array.from({ length: 10 }, (_, k) => -i - k);
    cat1.slice(i, i + 10).assign(values);
    arrs2[j].splice(0, 10, ...values);
  });
  assert.deepEqual(arrs1, arrs2);
});

test('batch groups, drops, pads and writes a group', () => {
  const arr = Array.from({ length: 137 }, (_, i) => i);
  const full = Array.from({ length: 27 }, (_, b) => Array.from({ length: 5 }, (_, k) => b * 5 + k));
  assert.deepEqual([...batch(arr, 5, { dropLast: true })], full);
  assert.deepEqual([...batch(arr, 5)], [...full, [135, 136]]);
  assert.deepEqual([...batch(arr, 5, { pad: 0, collateFn: (xs) => [...xs] })], [...full, [135, 136, 0, 0, 0]]);
  const b = batch(arr, 5, { pad: 0, collateFn: (xs) => [...xs] });
  b.slice(undefined, 1).assign([[-1, -2, -3, -4, -5]]);
  assert.deepEqual(arr, [-1, -2, -3, -4, -5, ...Array.from({ length: 132 }, (_, i) => i + 5)]);
});

test('split by count or by cuts, and writes whole parts', () => {
  const arr = Array.from({ length: 125 }, (_, i) => i);
  const parts = Array.from({ length: 5 }, (_, p) => Array.from({ length: 25 }, (_, k) => p * 25 + k));
  let y = split(arr, 4);
  assert.deepEqual(y.get(-1).toArray(), parts[4]);
  assert.deepEqual([...y].map((s) => s.toArray()), parts);
  y = split(arr, [25, 50, 75, 100]);
  assert.deepEqual(y.get(-1).toArray(), parts[4]);
  assert.deepEqual([...y].map((s) => s.toArray()), parts);
  y.get(-1).assign(Array(25).fill(0));
  assert.deepEqual(arr.slice(100), Array(25).fill(0));
  // Assigning a part from a plain array, as SeqTools' `y[-1:] = [list]` does.
  y.slice(-1).assign([y.get(0).toArray().map((x) => -x)] as unknown as Seq<number>[]);
  assert.deepEqual(arr.slice(0, 100), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(arr.slice(100), Array.from({ length: 25 }, (_, i) => -i));
});
