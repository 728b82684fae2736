/** SeqTools' tests/test_instrument.py, ported; rates are checked without clocks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debug, monitorThroughput, smap } from '../../src/ops/index.js';

test('debug sees every read, and maxCalls caps it', () => {
  const arr = Array.from({ length: 100 }, (_, i) => i);
  let calls = 0;
  const d = debug(arr, () => calls++);
  assert.deepEqual([...d], arr);
  assert.equal(calls, 100);
  assert.deepEqual(Array.from({ length: d.length }, (_, i) => d.get(i)), arr);
  assert.equal(calls, 200);
  calls = 0;
  assert.deepEqual([...debug(arr, () => calls++, { maxCalls: 3 })], arr);
  assert.equal(calls, 3);
});

test('monitorThroughput measures reads, resets, and refuses to measure nothing', () => {
  const arr = Array.from({ length: 100 }, (_, i) => i);
  const m = monitorThroughput(smap((x: number) => x, arr));
  assert.deepEqual([...m], arr);
  assert.ok(Number.isFinite(m.readDelay()) && m.readDelay() >= 0);
  m.reset();
  assert.throws(() => m.readDelay(), Error);
  assert.throws(() => m.throughput(), Error);
  assert.deepEqual(Array.from({ length: m.length }, (_, i) => m.get(i)), arr);
  assert.ok(m.throughput() > 0);
});
