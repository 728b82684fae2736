import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { debug, monitorThroughput, smap, EvaluationError } from '../../src/ops/index.js';

describe('debug', () => {
  test('calls fn(i, value) on every read, by get and by iteration', () => {
    const seen: [number, number][] = [];
    const d = debug([5, 6, 7], (i, v) => seen.push([i, v]));
    assert.deepEqual([...d], [5, 6, 7]);
    assert.equal(d.get(-1), 7);
    assert.deepEqual(seen, [[0, 5], [1, 6], [2, 7], [2, 7]]);
  });
  test('maxCalls caps the calls; values still pass through', () => {
    let calls = 0;
    const d = debug([1, 2, 3, 4], () => calls++, { maxCalls: 2 });
    assert.deepEqual(d.toArray(), [1, 2, 3, 4]);
    assert.equal(calls, 2);
  });
  test('maxRate silences calls that come too soon after the last one', () => {
    let calls = 0;
    // One call per ~30 years: only the first read reports, whatever the machine's speed.
    const d = debug([1, 2, 3], () => calls++, { maxRate: 1e-9 });
    d.toArray();
    assert.equal(calls, 1);
  });
  test('rejects bad arguments and wraps errors of fn', () => {
    assert.throws(() => debug([1], 'log' as unknown as () => void), { name: 'TypeError', message: /debug: fn must be a function/ });
    assert.throws(() => debug([1], () => {}, { maxCalls: -1 }), RangeError);
    assert.throws(() => debug([1], () => {}, { maxRate: 0 }), { name: 'RangeError', message: /debug: maxRate must be a number > 0/ });
    const d = debug([1], () => { throw new Error('x'); });
    assert.throws(() => d.get(0), EvaluationError);
  });
});

describe('monitorThroughput', () => {
  test('throughput and readDelay throw Error before any read, and after reset', () => {
    const m = monitorThroughput(smap((x: number) => x, [1, 2, 3]));
    assert.throws(() => m.throughput(), { name: 'Error', message: /monitorThroughput\.throughput: no element has been read yet/ });
    assert.throws(() => m.readDelay(), Error);
    m.toArray();
    assert.ok(m.readDelay() >= 0);
    assert.ok(m.throughput() > 0);
    m.reset();
    assert.throws(() => m.throughput(), Error);
    assert.throws(() => m.readDelay(), Error);
  });
  test('readDelay is the inverse of throughput', () => {
    const m = monitorThroughput(smap((x: number) => {
      let s = 0;
      for (let i = 0; i < 20000; i++) s += i * x;
      return s;
    }, [1, 2, 3, 4]));
    m.toArray();
    assert.ok(Math.abs(m.readDelay() * m.throughput() - 1) < 1e-9);
  });
});
