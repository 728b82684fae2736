/**
 * When things go wrong: failing elements, dying and hanging workers, close,
 * abort, bad options, steps that cannot run in a worker. Nothing may hang,
 * be lost, be duplicated or be torn.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  EvaluationError, arange, prefetch, repeat, seq, seterr, smap, uniter, type PrefetchedSeq,
} from '../../src/index.js';
import { Ring } from '../../src/ring/ring.js';
import { MessageJobs } from '../../src/prefetch/messages.js';
import { SlotJobs } from '../../src/prefetch/slot-jobs.js';
import { within } from '../helpers/time.js';
import { fixtureFunctions } from '../helpers/workers.js';

const T = { timeout: 60_000 };

async function readAll<T>(p: PrefetchedSeq<T>, map: (v: T) => number): Promise<number[]> {
  const out: number[] = [];
  for await (const v of p) out.push(map(v));
  return out;
}

describe('prefetch errors', () => {
  test('a failing element rejects with EvaluationError (index, site, worker stack as cause); the others stay readable', T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.failOn, arange(20), repeat(7)), { workers: 2 });
    try {
      const error = await p.get(7).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof EvaluationError, `got ${String(error)}`);
      assert.equal(error.index, 7);
      assert.match(error.message, /item 7/);
      assert.match(error.message, /faults\.test\.ts/, 'names where the prefetch was created');
      const cause = error.cause as Error;
      assert.ok(cause instanceof Error);
      assert.match(cause.message, /element 7 is bad/);
      // The worker wrapped the user's error (smap's EvaluationError); the user's own error, with
      // the stack it had in the worker, is at the end of the cause chain.
      const chain: Error[] = [];
      for (let e: unknown = cause; e instanceof Error; e = e.cause) chain.push(e);
      const original = chain[chain.length - 1]!;
      assert.equal(original.name, 'RangeError');
      assert.match(String(original.stack), /functions\.worker/, "keeps the worker's stack");
      for (const i of [6, 8, 0, 19]) assert.equal((await p.get(i))[0], i);
      await assert.rejects(p.get(7), EvaluationError); // again, still failing, still not fatal
    } finally {
      await p.close();
    }
  });

  test("seterr('passthrough') rejects with an error of the user's name, message and stack", T, async () => {
    const { fns } = fixtureFunctions();
    const before = seterr();
    seterr('passthrough');
    try {
      const p = prefetch(smap(fns.failOn, arange(10), repeat(3)), { workers: 1 });
      try {
        const error = (await p.get(3).then(() => undefined, (e: unknown) => e)) as Error;
        assert.ok(!(error instanceof EvaluationError));
        assert.equal(error.name, 'RangeError');
        assert.equal(error.message, 'element 3 is bad');
        assert.match(String(error.stack), /functions\.worker/);
      } finally {
        await p.close();
      }
    } finally {
      seterr(before);
    }
  });

  test('an error in a for-await pass ends the loop with that error', T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.failOn, arange(30), repeat(12)), { workers: 2 });
    try {
      const seen: number[] = [];
      await assert.rejects(async () => {
        for await (const v of p) seen.push(v[0]!);
      }, (e: EvaluationError) => e.index === 12);
      assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => i));
    } finally {
      await p.close();
    }
  });
});

describe('prefetch worker deaths', () => {
  test('a worker that dies mid-element is replaced and the element recomputed: every element once, intact', T, async () => {
    const { fns } = fixtureFunctions();
    const deaths = new Int32Array(new SharedArrayBuffer(4));
    const p = prefetch(smap(fns.dieOn, arange(200), repeat(77), repeat(deaths), repeat(1)), { workers: 2, maxBuffered: 8 });
    try {
      const got = await within(30_000, readAll(p, (v) => v[0]!), 'a pass over a prefetch whose worker died');
      assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i));
      assert.equal(Atomics.load(deaths, 0), 2, 'the element killed one worker, then succeeded on the second try');
    } finally {
      await p.close();
    }
  });

  test('the element read is computed again before the read-ahead requested while it was being computed the first time', T, async () => {
    const { fns } = fixtureFunctions();
    const deaths = new Int32Array(new SharedArrayBuffer(4));
    const order = new Int32Array(new SharedArrayBuffer(4 * 64));
    // One worker, a window of 8, elements of 20 ms; element 0 kills the worker the first time.
    // The read-ahead 1… is requested behind 0, so element 0's second request comes after it.
    const s = smap(fns.loggedDieOn, arange(40), repeat(0), repeat(deaths), repeat(order), repeat(20));
    const p = prefetch(s, { workers: 1, maxBuffered: 8, slotBytes: 64 });
    try {
      assert.equal((await within(20_000, p.get(0), 'element 0'))[0], 0);
      const log = [...order.subarray(1, 1 + Math.min(Atomics.load(order, 0), order.length - 1))];
      assert.equal(Atomics.load(deaths, 0), 2, 'element 0 killed the first worker, then succeeded');
      assert.deepEqual(log.slice(0, 2), [0, 0], `the replacement computed element 0 first (evaluation order: ${log.join(' ')})`);
    } finally {
      await p.close();
    }
  });

  for (const ring of ['sized by the first element', 'there from the start'] as const) test(`an element that kills its worker three times fails with an EvaluationError saying so; others still read (ring ${ring})`, T, async () => {
    const { fns } = fixtureFunctions();
    const deaths = new Int32Array(new SharedArrayBuffer(4));
    // With the ring there from the start, each replacement worker is given it at once: the
    // element then kills it just after it started, which must count as the element's death.
    const slotBytes = ring === 'there from the start' ? 256 : undefined;
    const p = prefetch(smap(fns.dieOn, arange(50), repeat(5), repeat(deaths), repeat(1000)), { workers: 2, maxBuffered: 4, slotBytes });
    try {
      const error = await within(30_000, p.get(5).then(() => undefined, (e: unknown) => e), 'reading the killer element');
      assert.ok(error instanceof EvaluationError, `got ${String(error)}`);
      assert.equal(error.index, 5);
      assert.match(error.message, /killed its worker 3 times/);
      assert.equal(Atomics.load(deaths, 0), 3);
      assert.equal((await within(20_000, p.get(6), 'an element after the killer'))[0], 6);
      assert.equal((await p.get(4))[0], 4);
    } finally {
      await p.close();
    }
  });

  test('an idle worker that stops beating is replaced; a replacement beating in a dead worker\'s heartbeat seat is not', T, async () => {
    // Workers 0 and 1; element 5 kills one, and worker 2 takes its seat. The survivor then blocks
    // for good once idle. Within the heartbeat limit (5 s) and a check, with no element out, it
    // must be replaced by worker 3; worker 2, idle too but beating in its reused seat, lives on.
    const { fns } = fixtureFunctions();
    const deaths = new Int32Array(new SharedArrayBuffer(4));
    const n = 40;
    const pipeline = smap(fns.dieThenHangIdle, arange(n), repeat(5), repeat(deaths), repeat(2));
    const p = prefetch(pipeline, { workers: 2, maxBuffered: 4, onWorkerStart: 'rememberWorker' });
    try {
      const first = await within(30_000, readAll(p, (v) => v[1]!), 'the first pass');
      assert.equal(Atomics.load(deaths, 0), 2, 'element 5 killed one worker, then succeeded');
      assert.ok(first.slice(6).some((w) => w < 2), 'the survivor computed elements after the death (so it blocks once idle)');
      await new Promise((r) => setTimeout(r, 7_500)); // nothing read: the limit, a check, and a replacement's start
      const seen = new Set<number>();
      // Worker 3 is up already: reading resumes with it, not 5 s of checks after (passes take ms each).
      const until = Date.now() + 3_000;
      while (!(seen.has(2) && seen.has(3)) && Date.now() < until) {
        for (const w of await within(10_000, readAll(p, (v) => v[1]!), 'a pass after the idle time')) seen.add(w);
      }
      assert.deepEqual([...seen].sort(), [2, 3], 'after the idle time: worker 2 (not taken for hung) and worker 3 (replacing the blocked one), no other');
    } finally {
      await p.close();
    }
  });

  test('a worker terminated from outside while it computes is noticed and its element recomputed', T, async () => {
    const { fns, made } = fixtureFunctions();
    const p = prefetch(smap(fns.sleepThen, arange(20), repeat(300)), { workers: 1, maxBuffered: 2 });
    try {
      assert.equal((await p.get(0))[0], 0);
      const pending = p.get(1);
      await new Promise((r) => setTimeout(r, 100)); // element 1 (or 2) is being computed now
      await made[0]!.terminate();
      assert.equal((await within(20_000, pending, 'the element of a terminated worker'))[0], 1);
      assert.ok(made.length >= 2, 'a replacement worker was started');
      assert.equal((await p.get(2))[0], 2);
    } finally {
      await p.close();
    }
  });

  for (const transport of ['shared', 'transfer'] as const) {
    test(`a worker that hangs longer than \`timeout\` on one element is replaced; the element then fails after three tries (${transport})`, T, async () => {
      const { fns, made } = fixtureFunctions();
      const debug = transport === 'transfer' ? { transport } : undefined;
      const p = prefetch(smap(fns.hang, arange(10), repeat(3)), { workers: 1, maxBuffered: 2, timeout: 300, debug });
      try {
        assert.equal((await p.get(2))[0], 2);
        const error = await within(30_000, p.get(3).then(() => undefined, (e: unknown) => e), 'a hung element');
        assert.ok(error instanceof EvaluationError, `got ${String(error)}`);
        assert.match(error.message, /more than 300 ms/);
        assert.ok(made.length >= 4, `each hang replaced the worker (${made.length} made)`);
        // Elements queued behind the hung one in the same worker are retried, not blamed.
        assert.equal((await within(20_000, p.get(4), 'an element after the hung one'))[0], 4);
      } finally {
        await p.close();
      }
    });

    test(`a worker that hangs on an element the window has left is replaced after \`timeout\` too (${transport})`, T, async () => {
      const { fns, made } = fixtureFunctions();
      const debug = transport === 'transfer' ? { transport } : undefined;
      // One worker: once it hangs on the read-ahead element 2, only its replacement can read anything.
      const p = prefetch(smap(fns.hang, arange(100), repeat(2)), { workers: 1, maxBuffered: 2, timeout: 200, slotBytes: 64, debug });
      try {
        // slotBytes: the ring is there from the start, so the worker's loop starts as it attaches,
        // and blocks in element 2 soon after; the attach must have answered before.
        assert.equal((await within(10_000, p.get(0), 'the first element'))[0], 0);
        await new Promise((resolve) => setTimeout(resolve, 50)); // the worker is on element 2 now
        assert.equal((await within(10_000, p.get(50), 'a read after jumping away from the hung element'))[0], 50);
        assert.ok(made.length >= 2, `the hung worker was replaced (${made.length} made)`);
      } finally {
        await p.close();
      }
    });
  }
});

describe('prefetch close and abort', () => {
  test('close() rejects pending reads with AbortError, and every later read', T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.sleepThen, arange(10), repeat(2000)), { workers: 1 });
    const pending = p.get(0);
    await new Promise((r) => setTimeout(r, 50));
    await within(5_000, p.close(), 'close()');
    await assert.rejects(within(5_000, pending, 'a read pending at close'), (e: Error) => e.name === 'AbortError');
    await assert.rejects(p.get(1), (e: Error) => e.name === 'AbortError');
    await assert.rejects(p.lease(1), (e: Error) => e.name === 'AbortError');
    await p.close(); // twice is harmless
  });

  test('aborting the signal rejects pending reads with its reason', T, async () => {
    const { fns } = fixtureFunctions();
    const controller = new AbortController();
    const p = prefetch(smap(fns.sleepThen, arange(10), repeat(2000)), { workers: 1, signal: controller.signal });
    const pending = p.get(0);
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await assert.rejects(within(5_000, pending, 'a read pending at abort'), (e: unknown) => e === reason);
    await assert.rejects(p.get(1), (e: unknown) => e === reason);
    await p.close();
  });

  test('Symbol.asyncDispose closes it (await using)', T, async () => {
    const p = prefetch(seq([1, 2, 3]), { workers: 1 });
    assert.equal(await p.get(1), 2);
    await p[Symbol.asyncDispose]();
    await assert.rejects(p.get(0), (e: Error) => e.name === 'AbortError');
  });

  test('a closed prefetch terminates its workers', T, async () => {
    const { fns, made } = fixtureFunctions();
    const p = prefetch(smap(fns.addOne, arange(10)), { workers: 2 });
    assert.equal(await p.get(0), 1);
    const exited = made.map((w) => new Promise<void>((resolve) => w.once('exit', () => resolve())));
    await p.close();
    await within(5_000, Promise.all(exited), 'the workers exiting');
  });
});

describe('prefetch refuses what cannot work', () => {
  test('bad options throw RangeError at once', () => {
    const s = seq([1, 2, 3]);
    assert.throws(() => prefetch(s, { maxBuffered: 0 }), RangeError);
    assert.throws(() => prefetch(s, { maxBuffered: 1.5 }), RangeError);
    assert.throws(() => prefetch(s, { workers: -1 }), RangeError);
    assert.throws(() => prefetch(s, { workers: 49 }), (e: Error) => e instanceof RangeError && /at most 48/.test(e.message));
    assert.throws(() => prefetch(s, { method: 'thread' as 'worker' }), RangeError);
    assert.throws(() => prefetch(s, { slotBytes: 0 }), RangeError);
    assert.throws(() => prefetch(s, { timeout: -5 }), RangeError);
  });

  test('a closure in the pipeline is a TypeError naming the step and the way out', () => {
    const inner = (x: number) => x + 1;
    assert.throws(
      () => prefetch(smap(inner, arange(5)), { workers: 1 }),
      (e: Error) => e instanceof TypeError && /smap/.test(e.message) && /inner/.test(e.message) && /method: 'async'/.test(e.message) && /exposeFunctions/.test(e.message),
    );
  });

  test('a source that cannot be sent to a worker (an iterator) is a TypeError naming its step', () => {
    function* gen() {
      yield 1;
    }
    assert.throws(() => prefetch(uniter(gen(), { size: 1 }), { workers: 1 }), (e: Error) => e instanceof TypeError && /uniter/.test(e.message));
  });

  test('a remote function called on this thread says it runs only in workers', () => {
    const { fns } = fixtureFunctions();
    assert.throws(() => fns.addOne(1), (e: Error) => e instanceof TypeError && /only in prefetch workers/.test(e.message));
  });

  test('an unknown onWorkerStart function rejects the reads instead of hanging', T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.addOne, arange(5)), { workers: 1, onWorkerStart: 'noSuchFunction' });
    try {
      await assert.rejects(within(20_000, p.get(0), 'a read with a bad onWorkerStart'), /noSuchFunction/);
    } finally {
      await p.close();
    }
  });

  test('a worker that dies while it starts makes the reads fail, saying so, instead of waiting out the start timeout', T, async () => {
    const { fns } = fixtureFunctions();
    const p = prefetch(smap(fns.addOne, arange(5)), { workers: 1, onWorkerStart: 'exitWhileStarting' });
    try {
      await assert.rejects(within(20_000, p.get(0), 'a read whose worker died starting'), /died while starting: worker exited \(code 5\)/);
    } finally {
      await p.close();
    }
  });
});

describe('prefetch errors bigger than a slot', () => {
  test('an error that does not fit its slot arrives whole, message, stack and cause', T, async () => {
    const { fns } = fixtureFunctions();
    // slotBytes 64: the serialized error (messages, stacks) is far larger than a slot.
    const p = prefetch(smap(fns.failOn, arange(20), repeat(9)), { workers: 1, slotBytes: 64 });
    try {
      assert.equal((await p.get(8))[0], 8);
      const error = await p.get(9).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof EvaluationError);
      const chain: Error[] = [];
      for (let e: unknown = error; e instanceof Error; e = e.cause) chain.push(e);
      const original = chain[chain.length - 1]!;
      assert.equal(original.message, 'element 9 is bad');
      assert.match(String(original.stack), /functions\.worker/);
    } finally {
      await p.close();
    }
  });
});

describe('prefetch internal failures', () => {
  // A fault inside the reader's own machinery (here: reading a slot throws, as a bug would make it)
  // must fail that read, whether the element came by message (the first one, which sizes the ring)
  // or through the watch loop (the ones after it), and leave the prefetch usable: not a crash, not
  // a read that never settles.
  for (const failingCall of [1, 6]) {
    test(`a throw while reading slot ${failingCall === 1 ? 'one (by message)' : 'six (in the watch loop)'} fails that read only`, T, async () => {
      const real = Ring.prototype.readEncoded;
      let calls = 0;
      Ring.prototype.readEncoded = function (this: Ring, ...args: Parameters<typeof real>) {
        if (++calls === failingCall) throw new Error('injected: the slot could not be read');
        return real.apply(this, args);
      };
      const p = prefetch(seq(Array.from({ length: 40 }, (_, i) => new Float32Array(16).fill(i))), { workers: 2, maxBuffered: 4 });
      try {
        const read: number[] = [];
        const error = await within(10_000, readAll(p, (v) => read.push(v[0]!)).then(() => undefined, (e: unknown) => e), 'the pass');
        assert.ok(error instanceof Error, `the pass ended without an error after ${calls} slot reads`);
        assert.match(error.message, /injected: the slot could not be read/);
        assert.deepEqual(read, Array.from({ length: failingCall - 1 }, (_, i) => i), 'the elements before it arrived');
        // Usable after: a full pass reads every element (no slot or lease was lost).
        assert.deepEqual(await within(10_000, readAll(p, (v) => v[0]!), 'a second pass'), Array.from({ length: 40 }, (_, i) => i));
        assert.equal((await within(5_000, p.get(39), 'a get'))[0], 39);
      } finally {
        Ring.prototype.readEncoded = real;
        await p.close();
      }
    });
  }

  // Faults outside any one read (the watch loop looking at the ring, a worker's message being
  // handled) end the prefetch with the error: every read pending then, and every later one, rejects.
  const machinery = [
    { where: 'the watch loop', proto: SlotJobs.prototype, method: 'scan' as const },
    { where: "a worker's answer", proto: MessageJobs.prototype, method: 'answer' as const },
  ];
  for (const { where, proto, method } of machinery) {
    test(`a throw in ${where} rejects the pending and later reads with it`, T, async () => {
      const real: unknown = Reflect.get(proto, method);
      Reflect.set(proto, method, () => {
        throw new Error(`injected: ${where} broke`);
      });
      const p = prefetch(seq(Array.from({ length: 40 }, (_, i) => new Float32Array(16).fill(i))), { workers: 1, maxBuffered: 4 });
      try {
        // The first element comes by message (answer); the next ones through the watch loop (scan).
        const first = await within(10_000, p.get(0).then(() => undefined, (e: unknown) => e), 'the first read');
        const second = await within(10_000, p.get(1).then(() => undefined, (e: unknown) => e), 'the second read');
        const error = method === 'answer' ? first : second;
        assert.ok(error instanceof Error, `reads settled without the error: ${String(first)}, ${String(second)}`);
        assert.match(error.message, new RegExp(`injected: ${where} broke`));
        await assert.rejects(within(5_000, p.get(39), 'a later read'), new RegExp(`injected: ${where} broke`));
      } finally {
        Reflect.set(proto, method, real);
        await p.close();
      }
    });
  }
});
