/**
 * Elements still settling: prefetch delivers a promise's value, and a group
 * of promises (a batch of an async step) as the group of their values.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { arange, batch, prefetch, repeat, smap } from '../../src/index.js';
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
  }
});
