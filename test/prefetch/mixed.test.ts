/**
 * A seeded mix of gets, leases, releases and jumps against real workers whose
 * elements finish out of order, on each transport and on this thread
 * (method 'async'). Every read must settle with its own element, or with
 * the leases error when leases hold every slot; a leased view must not change
 * while it is held; and in each quiet moment every read made so far must
 * settle. Print the seed; SEQRING_SEED replays.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { arange, prefetch, repeat, smap, type Lease, type PrefetchedSeq } from '../../src/index.js';
import { fixtureFunctions, mulberry32, seedFromEnv } from '../helpers/workers.js';

const T = { timeout: 120_000 };
const LENGTH = 300;
const STEPS = 1500;
/** A quiet moment longer than this with a read still pending is a hang. */
const QUIET_LIMIT_MS = 5_000;

type How = 'shared' | 'transfer' | 'async' | 'shared, workers dying' | 'transfer, workers dying';

/**
 * Element i is Int32Array(16) filled with i, finishing after 0–3 ms, by each
 * way of evaluating; where workers die, every 29th element kills its worker
 * the first time it is computed.
 */
function jittered(how: How): PrefetchedSeq<Int32Array> {
  const options = { workers: 2, maxBuffered: 3 };
  if (how === 'async') {
    const later = (i: number) => new Promise<Int32Array>((resolve) => setTimeout(() => resolve(new Int32Array(16).fill(i)), (i * 7919) % 4));
    return prefetch(smap(later, arange(LENGTH)), { ...options, method: 'async' });
  }
  const { fns } = fixtureFunctions();
  const debug = how.startsWith('transfer') ? { transport: 'transfer' as const } : {};
  const elements = how.endsWith('dying')
    ? smap(fns.jitteredDying, arange(LENGTH), repeat(29), repeat(new Int32Array(new SharedArrayBuffer(4 * LENGTH))))
    : smap(fns.jittered, arange(LENGTH));
  return prefetch(elements, { ...options, debug });
}

for (const how of ['shared', 'transfer', 'async', 'shared, workers dying', 'transfer, workers dying'] as const) {
  describe(`a seeded mix of reads (${how})`, () => {
    test('every read settles with its element or the leases error, and leased views stay intact', T, async () => {
      const seed = seedFromEnv();
      const rand = mulberry32(seed);
      const p = jittered(how);
      const held: Lease<Int32Array>[] = [];
      const pending = new Set<string>();
      const failures: string[] = [];
      let next = 0;
      const holds = (v: Int32Array, i: number) => v.length === 16 && v.every((x) => x === i);
      const issue = (index: number, lease: boolean): void => {
        const what = `${lease ? 'lease' : 'get'}(${index})`;
        pending.add(what);
        const read: Promise<Int32Array | Lease<Int32Array>> = lease ? p.lease(index) : p.get(index);
        read.then(
          (v) => {
            pending.delete(what);
            const value = lease ? (v as Lease<Int32Array>).value : (v as Int32Array);
            if (!holds(value, index)) failures.push(`${what} gave [${value.slice(0, 3).join(', ')}, …]`);
            if (lease) held.push(v as Lease<Int32Array>);
          },
          (e: unknown) => {
            pending.delete(what);
            if (!/held by leases/.test(String(e))) failures.push(`${what} failed: ${String(e)}`);
          },
        );
      };
      try {
        for (let step = 0; step < STEPS; step++) {
          const r = rand();
          const index = rand() < 0.7 ? next++ % LENGTH : Math.floor(rand() * LENGTH);
          if (r < 0.35) issue(index, false);
          else if (r < 0.6) issue(index, true);
          else if (r < 0.75) {
            const lease = held.splice(Math.floor(rand() * held.length), 1)[0];
            if (lease && !holds(lease.value, lease.index)) failures.push(`the view of ${lease.index} changed while leased`);
            lease?.release();
          } else if (r < 0.97) {
            await new Promise((resolve) => setImmediate(resolve));
          } else {
            const until = Date.now() + QUIET_LIMIT_MS;
            while (pending.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 1));
            assert.deepEqual([...pending], [], `seed ${seed}, step ${step}: reads still pending after ${QUIET_LIMIT_MS} ms (leases held on ${held.map((l) => l.index).join(', ')})`);
          }
        }
        for (const l of held.splice(0)) l.release();
        const until = Date.now() + QUIET_LIMIT_MS;
        while (pending.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 1));
        assert.deepEqual([...pending], [], `seed ${seed}: reads left pending`);
        assert.deepEqual(failures, [], `seed ${seed}`);
      } finally {
        for (const l of held) l.release();
        await p.close();
      }
    });
  });
}
