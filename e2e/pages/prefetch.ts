/**
 * The prefetch e2e page: each case runs a prefetch in real workers and
 * returns plain JSON (values seen, errors as name/message/stack) for
 * e2e/prefetch.spec.ts to assert on, through `window.runCase(name, arg)`.
 *
 * `?nowaitasync` deletes `Atomics.waitAsync` before seqring is loaded, so the
 * library's fallback (polling) is what runs. seqring is therefore imported
 * dynamically, after that.
 */
import type { functions } from './prefetch.worker.js';
import type { PrefetchedSeq } from '../../src/index.js';
import { exposeCases } from './run-case.js';
import { mulberry32 } from '../../test/helpers/random.js';
import { filledInt32, mixedReads } from '../../test/helpers/mixed-reads.js';
import { within } from '../../test/helpers/time.js';

if (new URLSearchParams(location.search).has('nowaitasync')) delete (Atomics as { waitAsync?: unknown }).waitAsync;

const { EvaluationError, SharedStore, arange, batch, prefetch, remoteFunctions, repeat, seq, seterr, smap } = await import('../../src/index.js');

/** How many workers the factory has made on this page (replacements included). */
let workersMade = 0;
const fns = remoteFunctions<typeof functions>(() => {
  workersMade++;
  return new Worker(new URL('./prefetch.worker.ts', import.meta.url), { type: 'module' });
});

/** What a rejected read looked like, as JSON. */
export interface Failure {
  name: string;
  message: string;
  isEvaluationError: boolean;
  index: number | null;
  stack: string | null;
  /** The `cause` chain, outermost first. */
  causes: { name: string; message: string; stack: string | null; index: number | null }[];
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Failure };

function failure(e: unknown): Failure {
  const error = e instanceof Error || e instanceof DOMException ? e : new Error(`non-error thrown: ${String(e)}`);
  const causes: Failure['causes'] = [];
  for (let c = (error as { cause?: unknown }).cause; c instanceof Error && causes.length < 5; c = c.cause) {
    causes.push({ name: c.name, message: c.message, stack: c.stack ?? null, index: c instanceof EvaluationError ? c.index : null });
  }
  return {
    name: error.name,
    message: error.message,
    isEvaluationError: error instanceof EvaluationError,
    index: error instanceof EvaluationError ? error.index : null,
    stack: error.stack === undefined ? null : String(error.stack),
    causes,
  };
}

async function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, error: failure(e) };
  }
}

/** First value of a typed array element, or the error; for "is element i readable" checks. */
async function first(p: PrefetchedSeq<ArrayLike<number>>, i: number): Promise<Outcome<number>> {
  return outcome(within(20_000, p.get(i), `reading element ${i}`).then((v) => v[0]!));
}

/** Indexes of elements that are not `floats` values all equal to their index (at most 5 listed). */
function checkFilled(i: number, v: ArrayLike<number>, floats: number, bad: string[]): void {
  if (bad.length >= 5) return;
  if (!(v instanceof Float32Array)) bad.push(`element ${i}: not a Float32Array`);
  else if (v.length !== floats) bad.push(`element ${i}: length ${v.length}`);
  else if (!v.every((x) => x === i)) bad.push(`element ${i}: [${v[0]}, …, ${v[floats - 1]}]`);
}

/** Reads a full pass: how many elements, in which order, which were wrong. */
async function pass(p: PrefetchedSeq<Float32Array>, floats: number): Promise<{ count: number; inOrder: boolean; bad: string[] }> {
  let count = 0;
  let inOrder = true;
  const bad: string[] = [];
  for await (const v of p) {
    if (v[0] !== count) inOrder = false;
    checkFilled(count, v, floats, bad);
    count++;
  }
  return { count, inOrder, bad };
}

/** `instanceof SharedArrayBuffer` that also works where SharedArrayBuffer is not defined (pages not isolated). */
function isShared(buffer: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
}

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cases = {
  /** Case 1 (and 9 with ?nowaitasync, and the not-isolated page): a user function over 500 elements, two passes. */
  async filled() {
    const madeBefore = workersMade;
    const p = prefetch(smap(fns.filled, arange(500), repeat(64)), { workers: 2, maxBuffered: 16 });
    try {
      const passes = [await within(30_000, pass(p, 64), 'pass 1'), await within(30_000, pass(p, 64), 'pass 2')];
      const leases: Record<number, { shared: boolean; first: number }> = {};
      for (const i of [1, 250, 499]) {
        const lease = await within(20_000, p.lease(i), `lease(${i})`);
        leases[i] = { shared: isShared(lease.value.buffer), first: lease.value[0]! };
        lease.release();
      }
      const owned = await p.get(7);
      return {
        crossOriginIsolated,
        waitAsync: typeof (Atomics as { waitAsync?: unknown }).waitAsync,
        transport: p.transport,
        length: p.length,
        passes,
        leases,
        get: { shared: isShared(owned.buffer), values: [owned[0], owned[63]] },
        workersMade: workersMade - madeBefore,
      };
    } finally {
      await p.close();
    }
  },

  /** A writer (`writesInto`) over 300 elements: values, order, and where each was written. */
  async writer() {
    const p = prefetch(smap(fns.stamped, arange(300)), { workers: 2, maxBuffered: 8 });
    const read = async () => {
      let count = 0;
      const bad: string[] = [];
      let inSlot = 0;
      const fresh: number[] = []; // the first few elements written into fresh arrays
      for await (const v of p) {
        if (v.length !== 64 || v[0] !== count || v[62] !== count) bad.push(`element ${count}: ${v.length} values, [0] = ${v[0]}, [62] = ${v[62]}`);
        if (v[63] === 1) inSlot++;
        else if (fresh.length < 3) fresh.push(count);
        count++;
      }
      return { count, bad, inSlot, fresh };
    };
    try {
      return { transport: p.transport, ...(await within(30_000, read(), 'writer pass')) };
    } finally {
      await p.close();
    }
  },

  /** Not-isolated page: two prefetches (the spec counts the isolation warnings). */
  async twoTransferPrefetches() {
    const out = [];
    for (let k = 0; k < 2; k++) {
      const p = prefetch(smap(fns.filled, arange(100), repeat(16)), { workers: 2, maxBuffered: 6 });
      try {
        out.push({ transport: p.transport, pass: await within(30_000, pass(p, 16), `pass of prefetch ${k}`) });
      } finally {
        await p.close();
      }
    }
    return out;
  },

  /** Not-isolated page: a SharedStore needs shared memory, and says where to get it. */
  async storeWithoutIsolation() {
    try {
      new SharedStore(16);
      return { threw: false };
    } catch (e) {
      return { threw: true, name: (e as Error).name, message: (e as Error).message };
    }
  },

  /** Case 2: pipelines of data and combinators run in seqring's own worker entry. */
  async builtinEntry() {
    const batches = prefetch(batch(arange(100), 8), { workers: 2 });
    const arrays = Array.from({ length: 40 }, (_, i) => new Float32Array(32).fill(i / 4));
    const plain = prefetch(seq(arrays), { workers: 2, maxBuffered: 4 });
    try {
      const all: number[][] = [];
      for await (const b of batches) all.push([...b]);
      const seen: number[][] = [];
      for await (const v of plain) seen.push([v.length, v[0]!, v[31]!]);
      return {
        transports: [batches.transport, plain.transport],
        batches: all,
        last: await batches.get(-1),
        arrays: seen,
      };
    } finally {
      await batches.close();
      await plain.close();
    }
  },

  /** Float16Array elements, alone and in trees: what arrives, of which type, in which memory. */
  async float16() {
    const out: { type: string; values: number[]; shared: boolean }[][] = [];
    for (const tree of [false, true]) {
      const p = prefetch(smap(fns.half, arange(12), repeat(tree)), { workers: 2, maxBuffered: 4 });
      try {
        const seen: { type: string; values: number[]; shared: boolean }[] = [];
        for await (const v of p) {
          const h = (tree ? (v as { h: Float16Array }).h : v) as Float16Array;
          seen.push({ type: h.constructor.name, values: [...h], shared: h.buffer instanceof SharedArrayBuffer });
        }
        out.push(seen);
      } finally {
        await p.close();
      }
    }
    return out;
  },

  /** prefetch run inside a dedicated worker: seqring's workers, a user's, and a kernel step, nested in it. */
  async insideAWorker() {
    const worker = new Worker(new URL('./nested.worker.ts', import.meta.url), { type: 'module' });
    try {
      const answer = new Promise<{ ok: boolean; value?: unknown; error?: string }>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(`the worker failed: ${e.message}`));
      });
      return await within(30_000, answer, 'the nested prefetch');
    } finally {
      worker.terminate();
    }
  },

  /** Case 3: seeded random reads (restarts of the read-ahead window). */
  async randomReads(seed: number) {
    const rand = mulberry32(seed);
    const n = 5000;
    const p = prefetch(smap(fns.filled, arange(n), repeat(32)), { workers: 2, maxBuffered: 16 });
    const bad: string[] = [];
    let reads = 0;
    try {
      for (let k = 0; k < 300; k++) {
        const i = Math.floor(rand() * n);
        let v: Float32Array;
        if (rand() < 0.5) v = await within(20_000, p.get(i), `get(${i})`);
        else {
          const lease = await within(20_000, p.lease(i), `lease(${i})`);
          v = lease.value.slice();
          lease.release();
        }
        reads++;
        if (v.length !== 32 || v[0] !== i || v[31] !== i) bad.push(`read ${k} of element ${i}: [${v[0]}, …, ${v[31]}] (length ${v.length})`);
      }
      return { reads, bad: bad.slice(0, 10) };
    } finally {
      await p.close();
    }
  },

  /**
   * A seeded mix of gets, leases, releases and jumps (test/helpers/mixed-reads.ts)
   * over 300 elements that finish out of order; with `dying`, every 29th element
   * closes its worker the first time it is computed.
   */
  async mixedReads({ seed, dying }: { seed: number; dying: boolean }) {
    const n = 300;
    const elements = dying
      ? smap(fns.jitteredDying, arange(n), repeat(29), repeat(new Int32Array(new SharedArrayBuffer(4 * n))))
      : smap(fns.jittered, arange(n));
    const p = prefetch(elements, { workers: 2, maxBuffered: 3 });
    try {
      return { transport: p.transport, ...(await mixedReads(p, { holds: filledInt32, seed, steps: 1500, quietLimitMs: 10_000 })) };
    } finally {
      await p.close();
    }
  },

  /** Case 4: a throwing element fails alone, as an EvaluationError with the worker's stack as cause. */
  async failingElement() {
    const p = prefetch(smap(fns.failOn, arange(20), repeat(7)), { workers: 2 });
    try {
      const failed = await outcome(within(20_000, p.get(7), 'the failing element'));
      const others = await Promise.all([6, 8, 0, 19].map((i) => first(p, i)));
      const again = await outcome(within(20_000, p.get(7), 'the failing element again'));
      return { failed, others, again };
    } finally {
      await p.close();
    }
  },

  /** Case 4 again, the error now written into a ring slot sized by a small first element. */
  async failingElementInRing() {
    const p = prefetch(smap(fns.failOn, arange(20), repeat(7)), { workers: 1 });
    try {
      const sized = await first(p, 0);
      return { sized, failed: await outcome(within(20_000, p.get(7), 'the failing element')) };
    } finally {
      await p.close();
    }
  },

  async failingElementPassthrough() {
    const before = seterr();
    seterr('passthrough');
    try {
      const p = prefetch(smap(fns.failOn, arange(10), repeat(3)), { workers: 1 });
      try {
        return { failed: await outcome(within(20_000, p.get(3), 'the failing element')), other: await first(p, 4) };
      } finally {
        await p.close();
      }
    } finally {
      seterr(before);
    }
  },

  /** Case 5: element 37 kills its worker once; a full pass still has every element once. */
  async workerDiesOnce() {
    const deaths = new Int32Array(new SharedArrayBuffer(4));
    const p = prefetch(smap(fns.dieOn, arange(120), repeat(37), repeat(deaths), repeat(1)), { workers: 2, maxBuffered: 8 });
    try {
      const got: number[] = [];
      const bad: string[] = [];
      await within(30_000, (async () => {
        for await (const v of p) {
          if (v.length !== 4 || !v.every((x) => x === got.length)) bad.push(`element ${got.length}: [${[...v]}]`);
          got.push(v[0]!);
        }
      })(), 'a pass over a prefetch whose worker died');
      const deathsInPass = Atomics.load(deaths, 0);
      const again = await first(p, 37); // evaluated once more: the window has moved on
      return { transport: p.transport, got, bad, deaths: deathsInPass, again };
    } finally {
      await p.close();
    }
  },

  /** Case 5: element 5 kills its worker every time: it fails, the others do not. */
  async workerDiesAlways() {
    const deaths = new Int32Array(new SharedArrayBuffer(4));
    const p = prefetch(smap(fns.dieOn, arange(50), repeat(5), repeat(deaths), repeat(1000)), { workers: 2, maxBuffered: 4 });
    try {
      const failed = await outcome(within(30_000, p.get(5), 'reading the killer element'));
      const deathCount = Atomics.load(deaths, 0);
      const others = await Promise.all([6, 4, 49].map((i) => first(p, i)));
      return { failed, deaths: deathCount, others };
    } finally {
      await p.close();
    }
  },

  /** Case 5: each worker closes itself in onWorkerStart; reads fail saying so, long before the 30 s start timeout. */
  async workerClosesWhileStarting() {
    const p = prefetch(smap(fns.filled, arange(10), repeat(4)), { workers: 2, onWorkerStart: 'closeWhileStarting' });
    try {
      const started = performance.now();
      const read = await outcome(within(20_000, p.get(0), 'a read whose workers close while starting'));
      return { read, ms: performance.now() - started };
    } finally {
      await p.close();
    }
  },

  /** Case 6: close() rejects a read pending on a 2 s element, and every later read. */
  async closeWhilePending() {
    const p = prefetch(smap(fns.sleepThen, arange(10), repeat(2000)), { workers: 1 });
    const pending = outcome(within(5_000, p.get(0), 'a read pending at close'));
    await sleepMs(50);
    const closed = await outcome(within(5_000, p.close(), 'close()'));
    const after = [await outcome(p.get(1)), await outcome(p.lease(1))];
    const closedAgain = await outcome(within(5_000, p.close(), 'a second close()'));
    return { closed, pending: await pending, after, closedAgain };
  },

  /** Case 6: aborting the signal rejects pending and later reads with its reason. */
  async abortWhilePending() {
    const controller = new AbortController();
    const p = prefetch(smap(fns.sleepThen, arange(10), repeat(2000)), { workers: 1, signal: controller.signal });
    const reason = new Error('user cancelled');
    const pending = within(5_000, p.get(0), 'a read pending at abort').then(
      () => 'resolved',
      (e: unknown) => (e === reason ? 'the reason' : `another error: ${String(e)}`),
    );
    await sleepMs(50);
    controller.abort(reason);
    const later = await p.get(1).then(() => 'resolved', (e: unknown) => (e === reason ? 'the reason' : `another error: ${String(e)}`));
    await within(5_000, p.close(), 'close() after abort');
    return { pending: await pending, later };
  },

  /** Case 7: a closure cannot go to a worker: TypeError at once, naming method: 'async'. */
  async closureInWorkerPipeline() {
    try {
      const p = prefetch(smap((x: number) => x + 1, arange(5)));
      await p.close();
      return { threw: false as const };
    } catch (e) {
      return { threw: true as const, error: failure(e) };
    }
  },

  /** Case 8: method 'async' with closures that fetch real files. */
  async asyncMethodFetch() {
    const names = ['astronaut.png', 'chelsea.png', 'rocket.jpg', 'camera.png', 'coins.png', 'coffee.png'];
    const direct = await Promise.all(names.map(async (n) => (await (await fetch(`/data/photos/${n}`)).arrayBuffer()).byteLength));
    let calls = 0;
    const size = async (name: string) => {
      calls++; // a closure over page state: fine on this thread
      const response = await fetch(`/data/photos/${name}`);
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${name}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return { name, bytes: bytes.byteLength, head: [bytes[0]!, bytes[1]!] };
    };
    const p = prefetch(smap(size, seq(names)), { method: 'async', workers: 3, maxBuffered: 4 });
    try {
      const got = [];
      for await (const v of p) got.push(v);
      const delayed = prefetch(smap(async (x: number) => { await sleepMs(5); return x * calls; }, arange(4)), { method: 'async' });
      const timers = [];
      for await (const v of delayed) timers.push(v);
      await delayed.close();
      return { transport: p.transport, direct, got, calls, timers };
    } finally {
      await p.close();
    }
  },
};

export type PrefetchCases = typeof cases;

exposeCases(cases);
