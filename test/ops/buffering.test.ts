import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { addCache, smap } from '../../src/ops/index.js';

describe('addCache', () => {
  test('re-reading a cached element does not evaluate it again', () => {
    const calls: number[] = [];
    const c = addCache(smap((x: number) => (calls.push(x), x * 2), [0, 1, 2, 3, 4]), 2);
    assert.equal(c.get(3), 6);
    assert.equal(c.get(3), 6);
    assert.equal(c.get(-2), 6);
    assert.deepEqual(calls, [3]);
  });
  test('keeps the cacheSize most recently read values', () => {
    const calls: number[] = [];
    const c = addCache(smap((x: number) => (calls.push(x), x), [0, 1, 2, 3, 4]), 2);
    c.get(0);
    c.get(1);
    c.get(0); // 0 is now the most recent
    c.get(2); // evicts 1
    c.get(0);
    c.get(1);
    assert.deepEqual(calls, [0, 1, 2, 1]);
  });
  test('writes go through and update the cached value', () => {
    const a = [1, 2, 3];
    const c = addCache(a, 3);
    c.get(1);
    c.set(1, 20);
    assert.equal(c.get(1), 20);
    assert.deepEqual(a, [1, 20, 3]);
  });
  test('rejects a cacheSize below 1', () => {
    assert.throws(() => addCache([1], 0), { name: 'RangeError', message: /addCache: cacheSize must be an integer >= 1, got 0/ });
    assert.throws(() => addCache([1], 1.5), TypeError);
  });
});
