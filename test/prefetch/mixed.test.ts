/**
 * A seeded mix of gets, leases, releases and jumps (test/helpers/mixed-reads.ts)
 * against real workers whose elements finish out of order, on each transport,
 * on this thread (method 'async'), and with workers dying or hanging. Print the seed;
 * SEQRING_SEED replays.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { arange, prefetch, repeat, smap, type PrefetchedSeq } from '../../src/index.js';
import { fixtureFunctions, seedFromEnv } from '../helpers/workers.js';
import { filledInt32, mixedReads } from '../helpers/mixed-reads.js';

const T = { timeout: 120_000 };
const LENGTH = 300;
const STEPS = 1500;
/** A quiet moment longer than this with a read still pending is a hang. */
const QUIET_LIMIT_MS = 15_000;

const HOWS = [
  'shared', 'transfer', 'async',
  'shared, workers dying', 'transfer, workers dying',
  'shared, workers hanging', 'transfer, workers hanging',
] as const;
type How = (typeof HOWS)[number];

/**
 * Element i is Int32Array(16) filled with i, finishing after 0–3 ms, by each
 * way of evaluating; where workers die or hang, every 29th element kills its
 * worker, or blocks it until `timeout` (300 ms) has it replaced, the first
 * time it is computed.
 */
function jittered(how: How): PrefetchedSeq<Int32Array> {
  const options = { workers: 2, maxBuffered: 3 };
  if (how === 'async') {
    const later = (i: number) => new Promise<Int32Array>((resolve) => setTimeout(() => resolve(new Int32Array(16).fill(i)), (i * 7919) % 4));
    return prefetch(smap(later, arange(LENGTH)), { ...options, method: 'async' });
  }
  const { fns } = fixtureFunctions();
  const debug = how.startsWith('transfer') ? { transport: 'transfer' as const } : {};
  const fault: 'die' | 'hang' | undefined = how.endsWith('dying') ? 'die' : how.endsWith('hanging') ? 'hang' : undefined;
  const elements = fault
    ? smap(fns.jitteredFaulty, arange(LENGTH), repeat(29), repeat(new Int32Array(new SharedArrayBuffer(4 * LENGTH))), repeat(fault))
    : smap(fns.jittered, arange(LENGTH));
  return prefetch(elements, { ...options, debug, timeout: fault === 'hang' ? 300 : undefined });
}

for (const how of HOWS) {
  describe(`a seeded mix of reads (${how})`, () => {
    test('every read settles with its element or the leases error, and leased views stay intact', T, async () => {
      const seed = seedFromEnv();
      const p = jittered(how);
      try {
        const r = await mixedReads(p, { holds: filledInt32, seed, steps: STEPS, quietLimitMs: QUIET_LIMIT_MS });
        assert.deepEqual(r.stuck, [], `seed ${seed}: reads still pending ${QUIET_LIMIT_MS} ms into a quiet moment at step ${r.stuckAtStep}`);
        assert.deepEqual(r.failures, [], `seed ${seed}`);
        assert.ok(r.reads > STEPS / 2, `seed ${seed}: ${r.reads} reads made`);
      } finally {
        await p.close();
      }
    });
  });
}
