/** SeqTools' tests/test_buffering.py (add_cache), ported without its timing asserts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addCache, smap } from '../../src/ops/index.js';
import { mulberry32, randomSeed } from '../contract/contract.js';

const seed = randomSeed();
console.log(`seqtools/buffering seed ${seed}`);
const rand = mulberry32(seed);

test('addCache reads, slices and writes like its source', () => {
  const arr = Array.from({ length: 25 }, () => rand());
  const z = addCache(arr, 3);
  assert.deepEqual([...z], arr);
  assert.deepEqual(z.slice(10).toArray(), arr.slice(10));
  assert.deepEqual(Array.from({ length: 10 }, (_, i) => z.get(i)), arr.slice(0, 10));
  z.slice(undefined, 10).assign(Array.from({ length: 10 }, (_, i) => -i));
  assert.deepEqual(z.slice(10).toArray(), arr.slice(10));
  assert.deepEqual(z.slice(undefined, 10).toArray(), Array.from({ length: 10 }, (_, i) => -i));
});

test('a sliding window of cacheSize reads evaluates each element once', () => {
  const arr = Array.from({ length: 25 }, () => rand());
  let calls = 0;
  const cacheSize = 3;
  const z = addCache(smap((x: number) => (calls++, x), arr), cacheSize);
  for (let i = 0; i < arr.length; i++) {
    assert.equal(z.get(i), arr[i]);
    for (let j = Math.max(0, i - cacheSize + 1); j <= i; j++) assert.equal(z.get(j), arr[j]);
  }
  assert.equal(calls, arr.length);
});
