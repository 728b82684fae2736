/**
 * Writers (`writesInto`) in prefetch workers: the worker hands the writer a
 * view over the ring slot instead of allocating its output and copying it in.
 * The values must be exactly the plain function's, on every path (fast,
 * too big for the slot, transfer transport, a direct call), and errors must
 * fail their own element only. Runs real workers (worker_threads).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { arange, prefetch, remoteFunctions, seq, smap, type PrefetchedSeq } from '../../src/index.js';
import { writesInto } from '../../src/worker.js';
import { tsWorker } from '../helpers/workers.js';
import { RAMP_LENGTH, TAG_WORDS, taggedValue, writers, type Order } from '../fixtures/writers.js';
import type { functions } from '../fixtures/writers.worker.js';

const T = { timeout: 60_000 };

const fixture = new URL('../fixtures/writers.worker.ts', import.meta.url);
const fns = remoteFunctions<typeof functions>(() => tsWorker(fixture));

/** Reads every element of `p` with `for await`, checking each with `check(value, i)`; returns the count. */
async function eachOf<T>(p: PrefetchedSeq<T>, check: (value: T, i: number) => void): Promise<number> {
  let i = 0;
  for await (const v of p) check(v, i++);
  return i;
}

function assertRamp(v: Float32Array, i: number): void {
  assert.ok(v instanceof Float32Array, `element ${i} is a Float32Array`);
  assert.equal(v.length, RAMP_LENGTH, `element ${i} length`);
  const want = writers.ramp(i); // the plain call, on this thread
  for (let k = 0; k < RAMP_LENGTH; k++) if (v[k] !== want[k]) assert.fail(`element ${i} value ${k}: ${v[k]} vs ${want[k]}`);
}

/** A `tagged` element: its header says where it was written; its body must be exact. */
function assertTagged(v: Float64Array, o: Order): { inSlot: boolean; byteOffset: number; byteLength: number } {
  assert.equal(v.length, o.length, `element ${o.i} length`);
  assert.equal(v[0], o.i, `element ${o.i} index`);
  for (let k = TAG_WORDS; k < o.length; k++) if (v[k] !== taggedValue(o.i, k)) assert.fail(`element ${o.i} value ${k}: ${v[k]}`);
  return { inSlot: v[1] === 1, byteOffset: v[2]!, byteLength: v[3]! };
}

/** The error chain of a failed read, outermost first. */
function chain(e: unknown): Error[] {
  const out: Error[] = [];
  for (let x = e; x instanceof Error; x = x.cause) out.push(x);
  return out;
}

describe('writesInto in prefetch workers', () => {
  test('a writer gives exactly the plain function\'s values, lap after lap, by for await, get and lease', T, async () => {
    const n = 200;
    // 5 slots for 200 elements: 40 laps of the ring. Poisoned releases: a value left from an earlier lap would show.
    const options = { workers: 2, maxBuffered: 4, debug: { poisonReleased: true } };
    const p = prefetch(smap(fns.ramp, arange(n)), options);
    const plain = prefetch(smap(fns.rampPlain, arange(n)), options);
    try {
      assert.equal(p.transport, 'shared');
      assert.equal(await eachOf(p, assertRamp), n);
      assert.equal(await eachOf(plain, assertRamp), n);
      for (const i of [7, 8, 150, 3, 199, 0, 100]) {
        const owned = await p.get(i);
        assert.ok(!(owned.buffer instanceof SharedArrayBuffer), 'get hands out a copy');
        assert.deepEqual(owned, await plain.get(i));
        const lease = await p.lease(i + 1 < n ? i + 1 : 0);
        assertRamp(lease.value, lease.index);
        lease.release();
      }
      assert.equal(await eachOf(p, assertRamp), n, 'a second pass over the same prefetch');
    } finally {
      await Promise.all([p.close(), plain.close()]);
    }
  });

  test('the writer writes into the ring slot itself (the lease views the bytes it wrote)', T, async () => {
    const orders: Order[] = Array.from({ length: 60 }, (_, i) => ({ i, length: 32 }));
    // slotBytes given: the ring exists before any element, so element 0 takes the slot path too.
    const p = prefetch(smap(fns.tagged, seq(orders)), { workers: 2, maxBuffered: 4, slotBytes: 32 * 8 });
    try {
      for (const o of orders) {
        const lease = await p.lease(o.i);
        const where = assertTagged(lease.value, o);
        // A write into a fresh array that was then copied would say 0 here, and another offset.
        assert.ok(where.inSlot, `element ${o.i} was written into shared memory`);
        assert.ok(lease.value.buffer instanceof SharedArrayBuffer);
        assert.equal(where.byteOffset, lease.value.byteOffset, `element ${o.i} was written where the lease looks`);
        assert.equal(where.byteLength, lease.value.byteLength);
        lease.release();
      }
    } finally {
      await p.close();
    }
  });

  test('with the ring sized from the first element, every later element is written into its slot', T, async () => {
    const orders: Order[] = Array.from({ length: 30 }, (_, i) => ({ i, length: 16 }));
    const p = prefetch(smap(fns.tagged, seq(orders)), { workers: 2, maxBuffered: 4 });
    try {
      const inSlot = await Promise.all(orders.map(async (o) => {
        const lease = await p.lease(o.i);
        try {
          return assertTagged(lease.value, o).inSlot;
        } finally {
          lease.release();
        }
      }));
      // Element 0 (whichever path it took: it may be computed before the ring exists) is checked above for its values only.
      assert.deepEqual(inSlot.slice(1), new Array(29).fill(true));
    } finally {
      await p.close();
    }
  });

  test('without shared memory (transfer transport) a writer is an ordinary function', T, async () => {
    const orders: Order[] = Array.from({ length: 20 }, (_, i) => ({ i, length: 10 + i }));
    const p = prefetch(smap(fns.tagged, seq(orders)), { workers: 2, debug: { transport: 'transfer' } });
    try {
      assert.equal(p.transport, 'transfer');
      assert.equal(await eachOf(p, (v, i) => assert.equal(assertTagged(v, orders[i]!).inSlot, false)), 20);
    } finally {
      await p.close();
    }
  });

  test('outputs bigger than the slot arrive intact by message; those that fit, to the last byte, use the slot', T, async () => {
    // 320-byte slots hold 40 float64 exactly; 41 is one too many.
    const lengths = [8, 40, 41, 2000, 0, 39];
    const orders: Order[] = Array.from({ length: 48 }, (_, i) => ({ i, length: lengths[i % lengths.length]! }));
    const p = prefetch(smap(fns.tagged, seq(orders)), { workers: 2, maxBuffered: 4, slotBytes: 320 });
    try {
      const read = await eachOf(p, (v, i) => {
        const o = orders[i]!;
        if (o.length < TAG_WORDS) {
          assert.equal(v.length, 0, `element ${i} is empty`); // the writer had nowhere to write its header
          return;
        }
        assert.equal(assertTagged(v, o).inSlot, o.length * 8 <= 320, `element ${i} (${o.length} float64) took the ${o.length * 8 <= 320 ? 'slot' : 'message'} path`);
      });
      assert.equal(read, orders.length);
    } finally {
      await p.close();
    }
  });

  test('no element is evaluated twice, on the slot path or the message path (counted in shared memory)', T, async () => {
    const n = 120;
    const calls = new Int32Array(new SharedArrayBuffer(2 * n * 4));
    // The ring is sized from element 0 (64 bytes plus headroom): the 4000-byte ones do not fit and go by message.
    const orders: Order[] = Array.from({ length: n }, (_, i) => ({ i, length: i % 2 === 0 ? 64 : 4000, calls }));
    const p = prefetch(smap(fns.counted, seq(orders)), { workers: 2, maxBuffered: 6 });
    try {
      const read = await eachOf(p, (v, i) => {
        assert.equal(v.length, orders[i]!.length);
        assert.equal(v[0], i % 251);
        assert.equal(v[v.length - 1], i % 251);
      });
      assert.equal(read, n);
      for (let i = 0; i < n; i++) {
        assert.equal(calls[2 * i], 1, `length() of element ${i} ran ${calls[2 * i]} times`);
        assert.equal(calls[2 * i + 1], 1, `write() of element ${i} ran ${calls[2 * i + 1]} times`);
      }
    } finally {
      await p.close();
    }
  });

  for (const transport of ['shared', 'transfer'] as const) {
    test(`a write that throws fails its own element only, as a plain function's error does (${transport})`, T, async () => {
      const p = prefetch(smap(fns.failing, arange(30)), {
        workers: 2, maxBuffered: 4, ...(transport === 'transfer' ? { debug: { transport } } : {}),
      });
      try {
        for (let i = 0; i < 30; i++) {
          if (i % 7 !== 3) {
            assert.deepEqual([...(await p.get(i))], new Array(8).fill(i), `element ${i}`);
            continue;
          }
          await assert.rejects(p.get(i), (e: unknown) => {
            const [outer, inner, original] = chain(e);
            // The reader's EvaluationError, the worker's smap EvaluationError, then the user's error with its stack.
            assert.equal(outer?.name, 'EvaluationError');
            assert.equal((outer as { index?: number }).index, i);
            assert.equal(inner?.name, 'EvaluationError');
            assert.match(inner!.message, new RegExp(`Failed to evaluate item ${i} in smap`));
            assert.equal(original?.name, 'RangeError');
            assert.equal(original?.message, `element ${i} cannot be written`);
            assert.match(original?.stack ?? '', /writers\.ts/);
            return true;
          });
        }
        assert.deepEqual([...(await p.get(4))], new Array(8).fill(4), 'read again after the failures');
      } finally {
        await p.close();
      }
    });
  }

  test('a bad output length fails its own element only, with the function named', T, async () => {
    const p = prefetch(smap(fns.badLength, arange(10)), { workers: 2, maxBuffered: 4 });
    try {
      const expect = async (i: number, name: string, got: string) => {
        await assert.rejects(p.get(i), (e: unknown) => {
          const original = chain(e).at(-1)!;
          assert.equal((e as { index?: number }).index, i);
          assert.equal(original.name, name);
          assert.equal(original.message, `badLength: length(arg) must return an integer >= 0 (the output's element count), got ${got}`);
          return true;
        });
      };
      await expect(5, 'RangeError', '-1');
      await expect(6, 'TypeError', '2.5');
      await expect(7, 'TypeError', 'NaN');
      for (const i of [0, 4, 8, 9, 1]) assert.deepEqual([...(await p.get(i))], new Array(4).fill(i), `element ${i}`);
    } finally {
      await p.close();
    }
  });

  test('the plain path names the function too (the element that sizes the ring), and a write returning a promise is refused', T, async () => {
    const p = prefetch(smap(fns.badLength, seq([5, 1, 2])), { workers: 1 });
    const q = prefetch(smap(fns.promiseWrite, arange(4)), { workers: 1, maxBuffered: 2, slotBytes: 64 });
    try {
      await assert.rejects(p.get(0), (e: Error) => /Reason: .*badLength: length\(arg\) must return an integer >= 0.*got -1/s.test(e.message));
      assert.deepEqual([...(await p.get(1))], [1, 1, 1, 1]);
      await assert.rejects(q.get(2), (e: Error) => {
        const original = chain(e).at(-1)!;
        return original.name === 'TypeError' && original.message === 'promiseWrite: write(arg, out) returned a promise; it must fill out synchronously';
      });
    } finally {
      await Promise.all([p.close(), q.close()]);
    }
  });

  test('after an async step the writer runs once its input settles, still into the slot', T, async () => {
    const orders: Order[] = Array.from({ length: 20 }, (_, i) => ({ i, length: 24 }));
    // smap of an async function is a Seq of promises; a writer given a promise gives a promise (as kernels do).
    const tagged = fns.tagged as unknown as (o: Promise<Order>) => Float64Array;
    const p = prefetch(smap(tagged, smap(fns.later, seq(orders))), { workers: 2, maxBuffered: 4, slotBytes: 24 * 8 });
    try {
      assert.equal(await eachOf(p, (v, i) => assert.ok(assertTagged(v, orders[i]!).inSlot, `element ${i} in its slot`)), 20);
    } finally {
      await p.close();
    }
  });
});

describe('writesInto called directly', () => {
  test('allocates its output, fills it and returns it', () => {
    const v = writers.ramp(3);
    assert.ok(v instanceof Float32Array);
    assert.ok(v.buffer instanceof ArrayBuffer);
    assert.equal(v.length, RAMP_LENGTH);
    assert.equal(v[0], 3 * RAMP_LENGTH);
    assert.equal(v[RAMP_LENGTH - 1], 4 * RAMP_LENGTH - 1);
    const t = writers.tagged({ i: 2, length: 6 });
    assert.deepEqual([...t], [2, 0, 0, 48, taggedValue(2, 4), taggedValue(2, 5)]);
    // An ordinary function: smap on this thread takes it like any other.
    assert.deepEqual(smap(writers.badLength, arange(3)).toArray(), [0, 1, 2].map((i) => new Int32Array(4).fill(i)));
  });

  test('a promise argument gives a promise of the output', async () => {
    const v = writers.ramp(Promise.resolve(2) as unknown as number) as unknown;
    assert.ok(v instanceof Promise);
    assert.equal((await v as Float32Array)[1], 2 * RAMP_LENGTH + 1);
  });

  test('bad lengths and writes returning a promise throw, naming the type for want of a name', () => {
    assert.throws(() => writers.badLength(5), { name: 'RangeError', message: /^writesInto\(Int32Array\): length\(arg\) must return an integer >= 0 .* got -1$/ });
    assert.throws(() => writers.badLength(6), { name: 'TypeError', message: /got 2\.5$/ });
    assert.throws(() => writers.badLength(7), { name: 'TypeError', message: /got NaN$/ });
    assert.throws(() => writers.promiseWrite(1), { name: 'TypeError', message: /^writesInto\(Int32Array\): write\(arg, out\) returned a promise/ });
    assert.throws(() => writers.failing(3), { name: 'RangeError', message: 'element 3 cannot be written' });
  });

  test('rejects what is not a typed-array constructor, non-function arguments and an async write', () => {
    const fill = (_: number, out: Uint8Array) => out.fill(1);
    assert.throws(() => writesInto(DataView as never, () => 1, fill), { name: 'TypeError', message: /type must be a typed-array constructor the ring carries .*got DataView$/ });
    assert.throws(() => writesInto(Array as never, () => 1, fill), { name: 'TypeError', message: /got Array/ });
    assert.throws(() => writesInto({} as never, () => 1, fill), TypeError);
    assert.throws(() => writesInto(Uint8Array, 4 as never, fill), { name: 'TypeError', message: /writesInto: length must be a function/ });
    assert.throws(() => writesInto(Uint8Array, () => 4, undefined as never), { name: 'TypeError', message: /writesInto: write must be a function/ });
    assert.throws(() => writesInto(Uint8Array, () => 4, async (_: number, out) => void out.fill(1)), {
      name: 'TypeError', message: 'writesInto: write must fill out synchronously, got an async function',
    });
  });
});
