/**
 * The worker pool (src/workers/pool.ts): seats. Each live worker bumps the
 * ring's heartbeat word of its seat, so two live workers must never share a
 * seat, however many have died and been replaced (ids keep growing).
 * The workers here are stand-ins: a MessagePort answering `start` over
 * Comlink, so hundreds of starts and deaths take milliseconds.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as Comlink from 'comlink';
import { Pool, type Member } from '../../src/workers/pool.js';
import type { WorkerLike } from '../../src/plan/remote.js';
import type { WorkerApi, WorkerInit } from '../../src/workers/protocol.js';
import { mulberry32 } from '../helpers/random.js';

const T = { timeout: 20_000 };

/** A stand-in worker: records the seat each start was given. */
function standIn(seats: number[]): WorkerLike {
  const { port1, port2 } = new MessageChannel();
  const api: WorkerApi = {
    start: async (init: WorkerInit) => {
      seats.push(init.seat);
      init.valuePort.close();
    },
    attach: async () => {},
  };
  Comlink.expose(api, port2);
  return Object.assign(port1, {
    terminate: () => {
      port1.close();
      port2.close();
    },
  });
}

function pool(seats: number, given: number[], deaths: Member[] = []): Pool {
  return new Pool({
    factory: () => standIn(given),
    init: () => ({ plan: { nodes: [], root: 0, usesKernels: false } as never, transport: 'shared', kernelModules: undefined, onWorkerStart: undefined, errorMode: 'wrap' }),
    seats,
    onDeath: (m) => deaths.push(m),
    onMessage: () => {},
  });
}

describe('worker pool seats', () => {
  test('live workers hold distinct seats below the limit through many deaths and replacements; each start is told its seat', T, async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1e9);
    console.log(`pool seats: seed ${seed}`);
    const rand = mulberry32(seed);
    const SEATS = 4;
    const given: number[] = [];
    const deaths: Member[] = [];
    const p = pool(SEATS, given, deaths);
    try {
      for (let k = 0; k < SEATS; k++) await p.spawn();
      for (let round = 0; round < 200; round++) {
        const live = [...p.members.values()];
        const victim = live[Math.floor(rand() * live.length)]!;
        p.terminate(victim, 'test');
        const m = await p.spawn();
        assert.equal(m.seat, victim.seat, `round ${round}: the newcomer takes the only free seat`);
        assert.equal(given.at(-1), m.seat, 'its start was told that seat');
        const seats = [...p.members.values()].map((x) => x.seat).sort();
        assert.deepEqual(seats, [0, 1, 2, 3], `round ${round}: one live worker per seat`);
      }
      assert.equal(deaths.length, 200);
      assert.ok(Math.max(...[...p.members.values()].map((x) => x.id)) >= 200, 'ids kept growing past the seats');
    } finally {
      await p.close();
    }
  });

  test('workers spawned at once, as a prefetch starts them (its own worker script, loaded asynchronously), hold distinct seats', T, async () => {
    // No factory: the pool loads its built-in worker, an await between choosing a seat and
    // holding it. A real worker each, with a plan of three numbers.
    const arange3 = { nodes: [{ op: 'arange', args: [{ t: 'data', v: 0 }, { t: 'data', v: 3 }, { t: 'data', v: 1 }], site: '' }], root: 0, functions: [], usesKernels: false };
    const p = new Pool({
      factory: undefined,
      init: () => ({ plan: arange3 as never, transport: 'shared', kernelModules: undefined, onWorkerStart: undefined, errorMode: 'wrap' }),
      seats: 8,
      onDeath: () => {},
      onMessage: () => {},
    });
    try {
      const members = await Promise.all([p.spawn(), p.spawn(), p.spawn()]);
      assert.deepEqual(members.map((m) => m.seat).sort(), [0, 1, 2], 'one seat each (sharing one, their heartbeats would mask a worker that stopped)');
      p.terminate(members[1]!, 'test');
      const [d, e] = await Promise.all([p.spawn(), p.spawn()]);
      assert.deepEqual([d!.seat, e!.seat].sort(), [1, 3]);
    } finally {
      await p.close();
    }
  });

  test('a spawn with every seat held is a RangeError, and the pool still works after', T, async () => {
    const given: number[] = [];
    const p = pool(2, given);
    try {
      const [a] = [await p.spawn(), await p.spawn()];
      await assert.rejects(p.spawn(), (e: Error) => e instanceof RangeError && /at most 2 workers/.test(e.message));
      assert.equal(p.members.size, 2, 'the refused spawn left no member behind');
      p.terminate(a!, 'test');
      assert.equal((await p.spawn()).seat, a!.seat);
    } finally {
      await p.close();
    }
  });
});
