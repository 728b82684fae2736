/**
 * Elements still settling: prefetch delivers a promise's value, a group of
 * promises (a batch of an async step) as the group of their values, and
 * arrays and plain objects holding promises deeper (a batch of decoded images
 * with their labels) with the promises' values in their places.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { arange, batch, collate, prefetch, repeat, smap } from '../../src/index.js';
import { fixtureFunctions } from '../helpers/workers.js';

const T = { timeout: 60_000 };

const pause = () => new Promise((r) => setTimeout(r, 1));
/** The fixture's async functions, for this thread (method 'async' runs them here). */
const local = {
  asyncDouble: async (x: number) => (await pause(), new Float32Array([2 * x])),
  asyncFailOn: async (i: number, bad: number) => {
    await pause();
    if (i === bad) throw new RangeError(`element ${i} could not be decoded`);
    return new Float32Array([i]);
  },
  addOne: (x: number) => x + 1,
};

const MODES = [
  { name: 'workers, shared ring', options: { workers: 2 }, inWorkers: true },
  { name: 'workers, transfer', options: { workers: 2, debug: { transport: 'transfer' as const } }, inWorkers: true },
  { name: "method 'async'", options: { workers: 2, method: 'async' as const }, inWorkers: false },
];

describe('elements still settling', () => {
  for (const { name, options, inWorkers } of MODES) {
    const functions = () => (inWorkers ? fixtureFunctions().fns : local);
    test(`a batch of an async step arrives as the group of its settled values (${name})`, T, async () => {
      const groups = batch(smap(functions().asyncDouble, arange(10)), 4);
      const p = prefetch(groups, options);
      try {
        const got: number[][] = [];
        for await (const group of p) got.push(group.map((x) => (x as unknown as Float32Array)[0]!));
        assert.deepEqual(got, [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]);
        // The sequence itself still holds promises: a plain get returns what it holds.
        if (!inWorkers) assert.ok(groups.get(0).every((x) => x instanceof Promise));
      } finally {
        await p.close();
      }
    });

    test(`a group with a rejected promise fails alone, the rejection as its cause (${name})`, T, async () => {
      const groups = batch(smap(functions().asyncFailOn, arange(9), repeat(5)), 3);
      const p = prefetch(groups, options);
      try {
        await assert.rejects(p.get(1), (e: Error) => {
          assert.equal(e.name, 'EvaluationError');
          assert.equal((e as { index?: number }).index, 1);
          assert.match((e.cause as Error).message, /element 5 could not be decoded/);
          return true;
        });
        assert.deepEqual((await p.get(2)).map((x) => (x as unknown as Float32Array)[0]), [6, 7, 8]);
        assert.deepEqual((await p.get(0)).map((x) => (x as unknown as Float32Array)[0]), [0, 1, 2]);
      } finally {
        await p.close();
      }
    });

    test(`a batch of (promise, label) pairs arrives as a group of (value, label) pairs, the sequence's own pairs untouched (${name})`, T, async () => {
      const fns = functions();
      const groups = batch(collate([smap(fns.asyncDouble, arange(7)), smap(fns.addOne, arange(7))]), 3);
      const p = prefetch(groups, options);
      try {
        const got: [number, number][][] = [];
        for await (const group of p) got.push(group.map(([x, label]) => [(x as unknown as Float32Array)[0]!, label]));
        assert.deepEqual(got, [[[0, 1], [2, 2], [4, 3]], [[6, 4], [8, 5], [10, 6]], [[12, 7]]]);
        if (!inWorkers) assert.ok(groups.get(0).every(([x]) => x instanceof Promise));
      } finally {
        await p.close();
      }
    });

    test(`a rejection deep in a group fails the group alone (${name})`, T, async () => {
      const groups = batch(collate([smap(functions().asyncFailOn, arange(6), repeat(4)), arange(6)]), 2);
      const p = prefetch(groups, options);
      try {
        await assert.rejects(p.get(2), (e: Error) => {
          assert.equal((e as { index?: number }).index, 2);
          assert.match((e.cause as Error).message, /element 4 could not be decoded/);
          return true;
        });
        assert.deepEqual((await p.get(1)).map(([x, label]) => [(x as unknown as Float32Array)[0], label]), [[2, 2], [3, 3]]);
      } finally {
        await p.close();
      }
    });
  }

  test('plain objects holding promises are settled too, up to four levels down; class instances and deeper levels are left as they are', async () => {
    const { settling } = await import('../../src/prefetch/settle.js');
    const one = Promise.resolve(1);
    class Box {
      constructor(readonly p: Promise<number>) {}
    }
    const box = new Box(one);
    const element = { image: one, label: 3, nested: [[{ deep: one }]], box, tooDeep: [[[[one]]]] };
    const out = (await settling(element)) as typeof element;
    assert.deepEqual(out.image, 1);
    assert.equal(out.label, 3);
    assert.deepEqual(out.nested, [[{ deep: 1 }]]);
    assert.equal(out.box, box, 'a class instance is left as it is');
    assert.equal(out.tooDeep[0]![0]![0]![0], one, 'a promise five levels down is left as it is');
    assert.ok(element.image instanceof Promise, 'the element itself is not changed');
    // With nothing pending, the element itself: no promise, no copy.
    const plain = { a: [1, { b: new Float32Array(2) }], c: 'x' };
    assert.equal(settling(plain), plain);
    const pendingProto = (await settling(Object.defineProperty({ x: one }, '__proto__', { value: one, enumerable: true }))) as Record<string, unknown>;
    assert.deepEqual(Object.keys(pendingProto), ['x', '__proto__']);
    assert.equal(Object.getOwnPropertyDescriptor(pendingProto, '__proto__')!.value, 1, 'a key named __proto__ stays an own property');
  });
});
