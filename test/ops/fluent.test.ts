import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { seq, arange, Seq, factories, smap } from '../../src/ops/index.js';

describe('fluent methods', () => {
  test('chain the combinators of the same meaning', () => {
    const out = arange(10)
      .map((x) => x * 2)
      .gather([9, 0, 1, 2, 3, 4, 5])
      .batch(3)
      .unbatch(3, 1)
      .concat([100], arange(2))
      .toArray();
    assert.deepEqual(out, [18, 0, 2, 4, 6, 8, 10, 100, 0, 1]);
  });
  test('each method calls its combinator', () => {
    const s = seq([1, 2, 3]);
    assert.deepEqual(seq([[1, 2], [3, 4]] as [number, number][]).starmap((a, b) => a * b).toArray(), [2, 12]);
    assert.deepEqual(s.take([2]).toArray(), [3]);
    assert.deepEqual(s.cycle(5).toArray(), [1, 2, 3, 1, 2]);
    assert.equal(s.cache(2).describe().op, 'addCache');
    assert.deepEqual(s.collate(['a', 'b', 'c']).get(1), [2, 'b']);
    assert.deepEqual(s.interleave([10]).toArray(), [1, 10, 2, 3]);
    assert.deepEqual(s.split([1]).get(1).toArray(), [2, 3]);
    assert.deepEqual(s.batch(2, { collateFn: (xs) => xs.join('+') }).toArray(), ['1+2', '3']);
    const seen: number[] = [];
    s.debug((i) => seen.push(i)).toArray();
    assert.deepEqual(seen, [0, 1, 2]);
    const m = s.monitorThroughput();
    m.get(0);
    assert.ok(m.throughput() > 0);
  });
  test('are non-enumerable methods on the prototype, present on every Seq', () => {
    assert.equal(Object.keys(seq([1])).includes('map'), false);
    assert.equal(typeof (smap((x: number) => x, [1]) as Seq<number>).batch, 'function');
    assert.equal(Object.getOwnPropertyDescriptor(Seq.prototype, 'map')?.enumerable, false);
  });
  test('the factories record knows every op the core describes', () => {
    for (const op of ['seq', 'sliceView', 'smap', 'starmap', 'arange', 'gather', 'take', 'cycle', 'interleave', 'repeat', 'uniter',
      'switchSeq', 'caseSeq', 'collate', 'concatenate', 'batch', 'unbatch', 'split', 'addCache', 'debug', 'monitorThroughput']) {
      assert.equal(typeof factories[op], 'function', op);
    }
    const view = arange(10).slice(8, 1, -3);
    const { op, args } = view.describe();
    assert.equal(op, 'sliceView');
    assert.deepEqual((factories[op] as (...a: unknown[]) => Seq<number>)(...args).toArray(), [8, 5, 2]);
  });
});
