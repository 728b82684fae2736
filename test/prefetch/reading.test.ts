/**
 * Reading a prefetched sequence: values, order, windows, restarts, leases,
 * transports. Runs real workers (worker_threads).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { arange, prefetch, repeat, seq, smap, batch, gather, type Lease } from '../../src/index.js';
import { fixtureFunctions, mulberry32, seedFromEnv } from '../helpers/workers.js';

const T = { timeout: 60_000 };

describe('prefetch reads', () => {
  test('plain data through the ring comes back equal and in index order, on two passes', T, async () => {
    const data = Array.from({ length: 300 }, (_, i) => new Float32Array(64).fill(i));
    const p = prefetch(seq(data), { workers: 2, maxBuffered: 8 });
    try {
      assert.equal(p.transport, 'shared');
      assert.equal(p.length, 300);
      for (let pass = 0; pass < 2; pass++) {
        let i = 0;
        for await (const v of p) {
          assert.ok(v instanceof Float32Array);
          assert.equal(v.length, 64);
          assert.equal(v[0], i);
          assert.equal(v[63], i);
          i++;
        }
        assert.equal(i, 300);
      }
    } finally {
      await p.close();
    }
  });

  test('values come back in index order although workers finish out of order', T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.jittered, arange(200)), { workers: 3, maxBuffered: 12 });
    try {
      let i = 0;
      for await (const v of p) {
        assert.deepEqual([...v], new Array(16).fill(i), `element ${i}`);
        i++;
      }
      assert.equal(i, 200);
    } finally {
      await p.close();
    }
  });

  for (const every of [0, 151]) {
    test(`large elements from busy workers, fast (the reader wakes once for several): every element in order, on two passes${every ? ', with every 151st element killing its worker once' : ''}`, T, async () => {
      const { fns } = fixtureFunctions();
      const n = 1500;
      const length = 20_000; // 80 KB: slots large enough for the reader to sleep past the element it waits for (pace.ts)
      const once = new Int32Array(new SharedArrayBuffer(4 * n));
      // 100 µs of work an element in 2 workers: they stay busy, and elements settle every ~50 µs.
      const p = prefetch(smap(fns.spin, arange(n), repeat(100), repeat(length), repeat(every), repeat(once)), { workers: 2, maxBuffered: 16 });
      try {
        for (let pass = 0; pass < 2; pass++) {
          let i = 0;
          for await (const v of p) {
            if (v.length !== length || v[0] !== i || v[length - 1] !== i) assert.fail(`pass ${pass}, element ${i}: got ${v[0]} … ${v[length - 1]}`);
            i++;
          }
          assert.equal(i, n);
        }
      } finally {
        await p.close();
      }
    });
  }

  test('large elements from busy workers, fast, with a worker hung for good on element 799 (no timeout): every element before it arrives in order', T, async () => {
    const { fns } = fixtureFunctions();
    const n = 1000, length = 20_000, hung = 799;
    const once = new Int32Array(new SharedArrayBuffer(4 * n));
    // The reader may be sleeping until element 799 is published when its worker hangs on it: it must look again.
    const p = prefetch(smap(fns.spin, arange(n), repeat(100), repeat(length), repeat(hung + 1), repeat(once), repeat('hang' as const)), {
      workers: 2,
      maxBuffered: 16,
    });
    try {
      let i = 0;
      for await (const v of p) {
        if (v[0] !== i || v[length - 1] !== i) assert.fail(`element ${i}: got ${v[0]} … ${v[length - 1]}`);
        if (++i === hung) break;
      }
      assert.equal(i, hung);
    } finally {
      await p.close();
    }
  });

  test('get returns a copy the caller owns; lease returns a view into the shared ring', T, async () => {
    const p = prefetch(seq(Array.from({ length: 20 }, (_, i) => new Int32Array(8).fill(i))), { workers: 1, maxBuffered: 4 });
    try {
      const first = await p.lease(0); // the element that sizes the ring: it is placed in a slot too
      assert.ok(first.value.buffer instanceof SharedArrayBuffer, 'the first lease is a view into the ring as well');
      assert.deepEqual([...first.value], new Array(8).fill(0));
      first.release();
      const owned = await p.get(3);
      assert.ok(!(owned.buffer instanceof SharedArrayBuffer), 'get must not hand out ring memory');
      assert.deepEqual([...owned], new Array(8).fill(3));
      const lease = await p.lease(4);
      assert.ok(lease.value.buffer instanceof SharedArrayBuffer, 'lease must be a view into the ring');
      assert.equal(lease.index, 4);
      assert.deepEqual([...lease.value], new Array(8).fill(4));
      lease.release();
      lease.release(); // twice is harmless
    } finally {
      await p.close();
    }
  });

  test('elements past index 2^31 and 2^32 of a long sequence are the right ones (indexes take two ring words)', T, async () => {
    const n = 2 ** 33;
    const p = prefetch(arange(n), { workers: 1, maxBuffered: 2 });
    try {
      for (const i of [2 ** 31 + 5, 2 ** 32 + 3, n - 1, 7]) assert.equal(await p.get(i), i);
      assert.equal(await p.get(-2), n - 2);
      let i = 2 ** 32 - 2;
      const around = prefetch(gather(arange(n), seq([2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1])), { workers: 2, maxBuffered: 2 });
      try {
        for await (const v of around) assert.equal(v, i++);
      } finally {
        await around.close();
      }
    } finally {
      await p.close();
    }
  });

  test('negative indexes count from the end; bad indexes reject with RangeError / TypeError', T, async () => {
    const p = prefetch(seq(Array.from({ length: 10 }, (_, i) => new Int32Array(2).fill(i))), { workers: 1 });
    try {
      assert.equal((await p.get(-1))[0], 9);
      assert.equal((await p.get(-10))[0], 0);
      await assert.rejects(p.get(10), RangeError);
      await assert.rejects(p.get(-11), RangeError);
      await assert.rejects(p.get(1.5), TypeError);
      await assert.rejects(p.get(Number.NaN), TypeError);
      await assert.rejects(p.lease('1' as unknown as number), TypeError);
    } finally {
      await p.close();
    }
  });

  test('random reads (restarts) return the right elements, seeded', T, async () => {
    const seed = seedFromEnv();
    const rand = mulberry32(seed);
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.filled, arange(5000), repeat(32)), { workers: 2, maxBuffered: 16 });
    try {
      for (let k = 0; k < 400; k++) {
        const i = Math.floor(rand() * 5000);
        const v = rand() < 0.5 ? await p.get(i) : await p.lease(i).then((l) => { const c = l.value.slice(); l.release(); return c; });
        assert.equal(v[0], i, `read ${k} of element ${i} (seed ${seed})`);
        assert.equal(v[31], i);
      }
    } finally {
      await p.close();
    }
  });

  test('many reads pending at once all settle with their own element', T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.filled, arange(1000), repeat(4)), { workers: 2, maxBuffered: 4 });
    try {
      const idx = [999, 5, 500, 6, 7, 0, 250, 998, 5];
      const values = await Promise.all(idx.map((i) => p.get(i)));
      assert.deepEqual(values.map((v) => v[0]), idx);
    } finally {
      await p.close();
    }
  });

  for (const transport of ['shared', 'transfer'] as const) {
    test(`an element no message can carry (a function in it) fails, saying what may travel (${transport})`, T, async () => {
      const { fns } = fixtureFunctions();
      const p = prefetch(smap(fns.withCallback, arange(4)), { workers: 1, debug: transport === 'transfer' ? { transport } : undefined });
      try {
        for (const i of [3, 1]) {
          await assert.rejects(p.get(i), (e: Error) => {
            assert.equal(e.name, 'EvaluationError');
            assert.equal((e as { index?: number }).index, i);
            const cause = e.cause as Error;
            assert.equal(cause.name, 'TypeError');
            assert.match(cause.message, /cannot be sent from the worker \(.*could not be cloned.*\)\. An element may hold typed arrays/);
            assert.equal((cause.cause as Error).name, 'DataCloneError');
            return true;
          });
        }
      } finally {
        await p.close();
      }
    });
  }

  test('object trees with typed-array leaves travel through the ring; other values by structured clone', T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.record, arange(50)), { workers: 2 });
    const q = prefetch(smap(fns.mapOf, arange(10)), { workers: 1 });
    try {
      for (const i of [0, 17, 49]) {
        const r = await p.get(i);
        assert.equal(r.id, i);
        assert.equal(r.label, `item ${i}`);
        assert.deepEqual([...r.pixels], new Array(64).fill(i));
        assert.deepEqual([...r.nested.scores], [i, -i]);
      }
      const lease = await p.lease(20);
      assert.ok(lease.value.pixels.buffer instanceof SharedArrayBuffer, 'tree leaves are ring views under a lease');
      lease.release();
      const m = await q.get(7);
      assert.ok(m instanceof Map);
      assert.equal(m.get(7), '7');
    } finally {
      await p.close();
      await q.close();
    }
  });

  for (const tree of [false, true]) {
    test(`views at odd offsets of a file (3,073-byte records) travel in the ring, intact${tree ? ', inside objects' : ''}`, T, async () => {
      const { fns } = fixtureFunctions();
      const size = 3073;
      const p = prefetch(smap(fns.recordOfFile, arange(40), repeat(size), repeat(tree)), { workers: 2, maxBuffered: 4 });
      try {
        for (let i = 0; i < 40; i++) {
          const lease = await p.lease(i);
          const got = lease.value;
          const pixels = (tree ? (got as { label: number; pixels: Uint8Array }).pixels : got) as Uint8Array;
          if (tree) assert.equal((got as { label: number }).label, i);
          assert.equal(pixels.length, size, `element ${i}`);
          for (let k = 0; k < size; k++) if (pixels[k] !== ((k * 13 + i) & 255)) assert.fail(`element ${i}, byte ${k}: ${pixels[k]}`);
          // Element 0 sizes the ring and travels by message; the others (of other offsets modulo 8) fit its slots.
          if (i > 0) assert.ok(pixels.buffer instanceof SharedArrayBuffer, `element ${i} is a view into the ring`);
          lease.release();
        }
      } finally {
        await p.close();
      }
    });
  }

  test('elements larger than the slot (sized from the first) still arrive intact', T, async () => {
    // Element 0 is small and sizes the ring; the others are four times larger.
    const data = Array.from({ length: 30 }, (_, i) => new Float64Array(i === 0 ? 16 : 64 + i).fill(i));
    const p = prefetch(seq(data), { workers: 2, maxBuffered: 4 });
    try {
      let i = 0;
      for await (const v of p) {
        assert.equal(v.length, data[i]!.length);
        assert.equal(v[v.length - 1], i);
        i++;
      }
    } finally {
      await p.close();
    }
  });

  test('a pipeline of combinators runs in the built-in worker (no factory needed)', T, async () => {
    const pipeline = batch(gather(arange(100), arange(99, -1, -1)), 8);
    const p = prefetch(pipeline, { workers: 2 });
    try {
      assert.deepEqual(await p.get(0), [99, 98, 97, 96, 95, 94, 93, 92]);
      assert.deepEqual(await p.get(-1), [3, 2, 1, 0]);
    } finally {
      await p.close();
    }
  });

  test('for await yields each view valid until the next step', T, async () => {
    const data = Array.from({ length: 200 }, (_, i) => new Float32Array(256).fill(i));
    const p = prefetch(seq(data), { workers: 2, maxBuffered: 2 });
    try {
      let i = 0;
      for await (const v of p) {
        // Give the workers time to run ahead: they must not touch the slot of the current view.
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
        assert.ok(v.every((x) => x === i), `view of element ${i} is intact while the loop holds it`);
        i++;
      }
    } finally {
      await p.close();
    }
  });

  test('breaking out of for await releases the view the loop held', T, async () => {
    const data = Array.from({ length: 40 }, (_, i) => new Float32Array(8).fill(i));
    const p = prefetch(seq(data), { workers: 1, maxBuffered: 2, slotBytes: 64, debug: { poisonReleased: true } });
    try {
      let view: Float32Array | undefined;
      for await (const v of p) {
        view = v;
        if (v[0] === 5) break;
      }
      // Released, its slot is poisoned and free again; the worker may already have written a later
      // element into it (the free slot is the next one requested), so the view holds NaN or that element.
      assert.ok(view!.every((x) => Number.isNaN(x) || x > 5), `the view of element 5 was released by the break: [${view!.join()}]`);
      // Three slots: had the break kept the lease, these three could not all be had.
      const leases = await Promise.all([p.lease(6), p.lease(7), p.lease(8)]);
      assert.deepEqual(leases.map((l) => l.value[0]), [6, 7, 8], 'and the prefetch reads on');
      for (const l of leases) l.release();
    } finally {
      await p.close();
    }
  });

  test("an element's error ends for await with that error, and leaves every slot usable", T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.failOn, arange(20), repeat(7)), { workers: 1, maxBuffered: 2, slotBytes: 64 });
    try {
      const seen: number[] = [];
      await assert.rejects(async () => {
        for await (const v of p) seen.push(v[0]!);
      }, /element 7/);
      assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
      // Three slots: had the loop kept a lease, these three could not all be had.
      const leases = await Promise.all([p.lease(8), p.lease(9), p.lease(10)]);
      assert.deepEqual(leases.map((l) => l.value[0]), [8, 9, 10]);
      for (const l of leases) l.release();
    } finally {
      await p.close();
    }
  });

  test('steps asked for before the last one arrived hold no slot once they are done', T, async () => {
    const data = Array.from({ length: 60 }, (_, i) => new Int32Array(2).fill(i));
    // Two slots: one lease kept per pair of steps would leave none within two pairs.
    const p = prefetch(seq(data), { workers: 1, maxBuffered: 1, slotBytes: 64 });
    try {
      const it = p[Symbol.asyncIterator]();
      // A view is valid until the next step arrives, so the first of each pair may be gone already.
      for (let i = 0; i < 50; i += 2) {
        const [a, b] = await Promise.all([it.next(), it.next()]);
        assert.deepEqual([a.done, b.done], [false, false]);
      }
      for (let i = 50; i < 60; i++) assert.equal((await it.next()).value![0], i, 'the steps after them read on in order');
      assert.deepEqual(await it.next(), { done: true, value: undefined });
      assert.equal((await p.get(3))[0], 3, 'every slot is free again');
    } finally {
      await p.close();
    }
  });

  test('with poisoning on, a view used after release reads NaN instead of stale data', T, async () => {
    const data = Array.from({ length: 40 }, (_, i) => new Float32Array(8).fill(i));
    const p = prefetch(seq(data), { workers: 1, maxBuffered: 2, slotBytes: 64, debug: { poisonReleased: true } });
    try {
      // The last element: once released, nothing further is requested, so its slot stays as released.
      const lease = await p.lease(39);
      const view = lease.value;
      assert.equal(view[0], 39);
      lease.release();
      assert.ok(view.every((x) => Number.isNaN(x)), 'released slot is poisoned');
    } finally {
      await p.close();
    }
  });

  test('reads made while the first element sizes the ring go through once it is made, when the first is leased', T, async () => {
    const { fns } = fixtureFunctions();
    // No slotBytes: the first element read sizes the ring, and travels by message meanwhile.
    const p = prefetch(smap(fns.filled, arange(50), repeat(8)), { workers: 2, maxBuffered: 4 });
    try {
      const first = p.lease(0);
      const others = Promise.all([p.get(20), p.get(30)]);
      const lease = await first;
      assert.equal(lease.value[0], 0);
      const hang = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('reads still wait after 5 s')), 5000).unref());
      const [a, b] = await Promise.race([others, hang]);
      assert.deepEqual([a[0], b[0]], [20, 30]);
      lease.release();
    } finally {
      await p.close();
    }
  });

  test('leases holding every slot make a further read fail clearly instead of hanging', T, async () => {
    // slotBytes given: the ring exists from the start (no first element travelling by message).
    const p = prefetch(seq(Array.from({ length: 20 }, (_, i) => new Int32Array(2).fill(i))), { workers: 1, maxBuffered: 1, slotBytes: 64 });
    const held: Lease<Int32Array>[] = [];
    try {
      held.push(await p.lease(0));
      held.push(await p.lease(1));
      await assert.rejects(p.get(10), /held by leases/);
      held.pop()!.release();
      assert.equal((await p.get(10))[0], 10, 'after a release the read goes through');
    } finally {
      for (const l of held) l.release();
      await p.close();
    }
  });

  test('a read waiting for a slot fails clearly when a lease arriving meanwhile takes the last one', T, async () => {
    const p = prefetch(seq(Array.from({ length: 20 }, (_, i) => new Int32Array(2).fill(i))), { workers: 1, maxBuffered: 1, slotBytes: 64 });
    const held: Lease<Int32Array>[] = [];
    try {
      const [first, second] = await Promise.all([p.lease(0), p.lease(1)]);
      held.push(first);
      second.release();
      // Two slots: 0 holds one, 2 gets the other, 3 waits; once 2 arrives as a lease, 3 never can.
      const third = p.lease(2);
      const fourth = p.get(3);
      held.push(await third);
      const hang = new Promise((_, reject) => setTimeout(() => reject(new Error('element 3 still waits after 5 s')), 5000).unref());
      await assert.rejects(Promise.race([fourth, hang]), /held by leases/);
    } finally {
      for (const l of held) l.release();
      await p.close();
    }
  });

  test("the transfer transport (no shared memory) gives the same values", T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.filled, arange(100), repeat(16)), { workers: 2, maxBuffered: 6, debug: { transport: 'transfer' } });
    try {
      assert.equal(p.transport, 'transfer');
      let i = 0;
      for await (const v of p) {
        assert.equal(v[15], i);
        i++;
      }
      assert.equal((await p.get(42))[0], 42);
    } finally {
      await p.close();
    }
  });

  test("method 'async' awaits promises on this thread with closures allowed", T, async () => {
    let inFlight = 0;
    let most = 0;
    const slowDouble = async (x: number) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return 2 * x;
    };
    const p = prefetch(smap(slowDouble, arange(40)), { method: 'async', workers: 3, maxBuffered: 8 });
    try {
      assert.equal(p.transport, 'async');
      const out: number[] = [];
      for await (const v of p) out.push(v);
      assert.deepEqual(out, Array.from({ length: 40 }, (_, i) => 2 * i));
      assert.ok(most <= 3, `at most 3 in flight, saw ${most}`);
      assert.ok(most >= 2, `work overlapped (saw ${most} in flight)`);
    } finally {
      await p.close();
    }
  });

  test('workers: 0 evaluates on this thread', T, async () => {
    const p = prefetch(smap((x: number) => x * 3, arange(10)), { workers: 0 });
    try {
      assert.equal(await p.get(4), 12);
    } finally {
      await p.close();
    }
  });

  test('onWorkerStart runs in each worker, with its index, before any element', T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.whichWorker, arange(64)), { workers: 2, onWorkerStart: 'rememberWorker' });
    try {
      const seen = new Set<number>();
      for await (const v of p) seen.add(v[1]!);
      assert.ok([...seen].every((w) => w === 0 || w === 1), `worker indexes ${[...seen]}`);
      assert.ok(!seen.has(-1), 'no element ran before onWorkerStart');
    } finally {
      await p.close();
    }
  });

  test('the fluent form s.prefetch() works like prefetch(s)', T, async () => {
    const p = arange(10).map((x) => x).slice(2, 8);
    // closures cannot run in workers: the fluent form reports it the same way
    assert.throws(() => p.prefetch({ workers: 1 }), TypeError);
    const q = seq([1, 2, 3]).prefetch({ workers: 1 });
    try {
      assert.equal(await q.get(2), 3);
    } finally {
      await q.close();
    }
  });
});
