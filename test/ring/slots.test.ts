/**
 * The slot state machine (src/ring/slots.ts): every row of its table on one
 * thread, tickets, announce/sleep, then the whole protocol across real worker
 * threads (protocol-worker.ts) with random delays, window moves and a kill.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { Ring } from '../../src/ring/ring.js';
import { SharedStore } from '../../src/ring/store.js';
import {
  CLAIMED, FAILED, FREE, READY, REQUESTED, STALE, STATE_NAMES, stateOf, ticketOf, type SlotState,
} from '../../src/ring/slots.js';
import { H_EVENTS, H_LINGERER, H_READER_WAITING, H_REQUESTS, H_SLEEPERS, H_URGENT, S_INDEX, S_STATE, slotWord } from '../../src/ring/layout.js';
import { mulberry32, seedFromEnv } from '../helpers/workers.js';
import { checkRun, exited, key, newLog, protocolWorker, readLog, runReader } from './protocol-reader.js';

const T = { timeout: 10_000 };

function fresh(slotCount = 4): Ring {
  return Ring.create({ slotCount, slotBytes: 64 });
}
function state(ring: Ring, slot: number): [string, number] {
  const w = ring.slots.load(slot);
  return [STATE_NAMES[stateOf(w)], ticketOf(w)];
}
/** Puts a slot's state word directly (for tickets near the wrap). */
function setWord(ring: Ring, slot: number, s: SlotState, ticket: number): void {
  Atomics.store(ring.words, slotWord(slot, S_STATE), (ticket << 4) | s);
}
/** Brings slot 0 of a fresh ring to `target` through the protocol itself. */
function slotIn(target: SlotState): { ring: Ring; ticket: number } {
  const ring = fresh();
  if (target === FREE) return { ring, ticket: 0 };
  const ticket = ring.slots.request(0, 7);
  if (target === REQUESTED) return { ring, ticket };
  const claim = ring.slots.claimLowest(1)!;
  if (target === READY || target === FAILED) ring.slots.finish(claim, target);
  if (target === STALE) ring.slots.cancel(0);
  return { ring, ticket };
}

describe('slot table rows, one thread', () => {
  test('row 1: request takes FREE to REQUESTED with the next ticket and the element index', T, () => {
    const ring = fresh();
    assert.deepEqual(state(ring, 2), ['FREE', 0]);
    assert.equal(ring.slots.request(2, 41), 1);
    assert.deepEqual(state(ring, 2), ['REQUESTED', 1]);
    assert.equal(Atomics.load(ring.words, slotWord(2, S_INDEX)), 41);
    ring.slots.cancel(2);
    assert.equal(ring.slots.request(2, 42), 2, 'each request takes a new ticket');
    assert.deepEqual(state(ring, 1), ['FREE', 0], 'other slots are untouched');
  });

  for (const s of [REQUESTED, CLAIMED, READY, FAILED, STALE] as const) {
    test(`request of a ${STATE_NAMES[s]} slot throws and changes nothing`, T, () => {
      const { ring, ticket } = slotIn(s);
      assert.throws(() => ring.slots.request(0, 9), /request of slot 0 in state/);
      assert.deepEqual(state(ring, 0), [STATE_NAMES[s], ticket]);
      assert.equal(Atomics.load(ring.words, slotWord(0, S_INDEX)), 7);
    });
  }

  test('indexes past 2^31 and 2^32 (a long cycle) are requested, ordered and claimed whole, up to 2^53 - 1', T, () => {
    const ring = Ring.create({ slotCount: 6, slotBytes: 64 });
    const indexes = [2 ** 53 - 1, 2 ** 32 + 1, 2 ** 31 + 5, 2 ** 40 + 7, 2 ** 32 - 1, 2 ** 31 - 1];
    indexes.forEach((index, slot) => ring.slots.request(slot, index));
    indexes.forEach((index, slot) => assert.equal(ring.slots.elementOf(slot), index));
    const claimed: number[] = [];
    for (let claim = ring.slots.claimLowest(1); claim; claim = ring.slots.claimLowest(1)) claimed.push(claim.index);
    assert.deepEqual(claimed, [...indexes].sort((a, b) => a - b));
  });

  test('row 2: claimLowest claims the REQUESTED slot with the lowest index and records the worker', T, () => {
    const ring = fresh();
    ring.slots.request(0, 30);
    ring.slots.request(1, 10);
    ring.slots.request(3, 20);
    const a = ring.slots.claimLowest(5)!;
    assert.deepEqual(a, { slot: 1, ticket: 1, index: 10 });
    assert.deepEqual(state(ring, 1), ['CLAIMED', 1]);
    assert.equal(ring.slots.holder(1), 5);
    assert.deepEqual(ring.slots.claimLowest(6), { slot: 3, ticket: 1, index: 20 });
    assert.deepEqual(ring.slots.claimLowest(7), { slot: 0, ticket: 1, index: 30 });
    assert.equal(ring.slots.claimLowest(8), undefined, 'nothing REQUESTED is left');
    assert.equal(ring.slots.stillClaimed(a), true);
  });

  test('row 2: claimNext claims in request order from the log, skipping requests withdrawn or renewed since', T, (t) => {
    const ring = fresh(8); // a log of 8 entries: room for all 5 requests
    const scan = t.mock.method(ring.slots, 'claimLowest');
    ring.slots.request(0, 30);
    ring.slots.request(1, 10);
    ring.slots.request(2, 20);
    ring.slots.request(3, 5);
    ring.slots.cancel(3); // row 3: withdrawn
    ring.slots.request(3, 6); // renewed: a new ticket, logged again
    const order = [0, 1, 2, 3].map(() => ring.slots.claimNext(9)!);
    assert.deepEqual(order.map((c) => c.index), [30, 10, 20, 6], 'the order requested, not the lowest index');
    assert.deepEqual(order.map((c) => c.slot), [0, 1, 2, 3]);
    assert.equal(order[3]!.ticket, ticketOf(ring.slots.load(3)));
    assert.equal(scan.mock.callCount(), 0, 'no scan while the log had entries');
    for (const c of order) assert.equal(ring.slots.holder(c.slot), 9);
    assert.equal(ring.slots.claimNext(9), undefined, 'nothing left');
    assert.equal(scan.mock.callCount(), 1, 'an empty log: one scan before giving up');
  });

  test('row 2: an urgent request (one the reader waits for) is claimed before those logged ahead of it, then the log goes on in order', T, () => {
    const ring = fresh(8);
    ring.slots.request(0, 11);
    ring.slots.request(1, 12);
    ring.slots.request(2, 13);
    ring.slots.request(3, 10, true); // requested again after its worker died, say: behind 11…13 in the log
    assert.equal(Atomics.load(ring.words, H_URGENT), 3 + 1, 'the word names the slot');
    const order = [0, 1, 2, 3].map(() => ring.slots.claimNext(9)!);
    assert.deepEqual(order.map((c) => c.index), [10, 11, 12, 13], 'the urgent one first; its log entry is skipped later');
    assert.equal(order[0]!.ticket, ticketOf(ring.slots.load(3)));
    assert.equal(Atomics.load(ring.words, H_URGENT), 0, 'taken: the word is clear');
    assert.equal(ring.slots.claimNext(9), undefined, 'nothing claimed twice');
  });

  test('an urgent request withdrawn before any worker took it claims nothing; the word is cleared and the log still serves', T, () => {
    const ring = fresh(4);
    ring.slots.request(0, 5);
    ring.slots.request(1, 4, true);
    ring.slots.cancel(1); // row 3: withdrawn
    const c = ring.slots.claimNext(2)!;
    assert.deepEqual([c.slot, c.index], [0, 5]);
    assert.deepEqual(state(ring, 1), ['FREE', 1], 'the withdrawn slot stays FREE');
    assert.equal(Atomics.load(ring.words, H_URGENT), 0);
    assert.equal(ring.slots.claimNext(2), undefined);
  });

  test('requests whose log entries were overwritten before any worker took them are claimed by the scan, lowest index first, once each', T, () => {
    const ring = fresh(2); // a log of 2 entries
    ring.slots.request(0, 1); // entry 0
    ring.slots.request(1, 2); // entry 1
    ring.slots.cancel(1);
    ring.slots.request(1, 3); // entry 2 overwrites entry 0: slot 0's request is in the log no more
    ring.slots.cancel(1);
    ring.slots.request(1, 4); // entry 3
    const logged = ring.slots.claimNext(1)!;
    assert.equal(logged.index, 4, 'the oldest entry still there that stands');
    const scanned = ring.slots.claimNext(1)!;
    assert.equal(scanned.index, 1, 'the overwritten request, by the scan');
    assert.equal(ring.slots.claimNext(1), undefined);
    ring.slots.finish(logged, READY);
    ring.slots.finish(scanned, READY);
    // The log keeps working after the wrap: more than a lap of requests, claimed in order.
    const got: number[] = [];
    for (let k = 0; k < 7; k++) {
      for (const s of [0, 1]) if (stateOf(ring.slots.load(s)) !== FREE) ring.slots.free(s);
      ring.slots.request(k % 2, 100 + k);
      const c = ring.slots.claimNext(1)!;
      ring.slots.finish(c, READY);
      got.push(c.index);
    }
    assert.deepEqual(got, [100, 101, 102, 103, 104, 105, 106]);
  });

  test('claimLowest takes nothing but REQUESTED slots', T, () => {
    for (const s of [FREE, CLAIMED, READY, FAILED, STALE] as const) {
      const { ring } = slotIn(s);
      assert.equal(ring.slots.claimLowest(2), undefined, STATE_NAMES[s]);
    }
  });

  test('row 3: cancel of a REQUESTED slot frees it at once and keeps its ticket', T, () => {
    const { ring, ticket } = slotIn(REQUESTED);
    assert.equal(ring.slots.cancel(0), true);
    assert.deepEqual(state(ring, 0), ['FREE', ticket]);
    assert.equal(ring.slots.claimLowest(1), undefined);
  });

  for (const outcome of [READY, FAILED] as const) {
    test(`row ${outcome === READY ? 4 : 5}: finish ${STATE_NAMES[outcome]} publishes a standing claim and counts an event`, T, () => {
      const ring = fresh();
      const ticket = ring.slots.request(0, 3);
      const claim = ring.slots.claimLowest(1)!;
      const events = Atomics.load(ring.words, H_EVENTS);
      assert.equal(ring.slots.finish(claim, outcome), true);
      assert.deepEqual(state(ring, 0), [STATE_NAMES[outcome], ticket]);
      assert.equal(Atomics.load(ring.words, H_EVENTS), events + 1);
      assert.equal(ring.slots.stillClaimed(claim), false);
    });
  }

  test('row 6: cancel of a CLAIMED slot makes it STALE and says the slot is not free', T, () => {
    const ring = fresh();
    const ticket = ring.slots.request(0, 3);
    const claim = ring.slots.claimLowest(1)!;
    assert.equal(ring.slots.cancel(0), false);
    assert.deepEqual(state(ring, 0), ['STALE', ticket]);
    assert.equal(ring.slots.stillClaimed(claim), false);
    assert.equal(ring.slots.cancel(0), false, 'cancel again: still the worker\'s');
    assert.deepEqual(state(ring, 0), ['STALE', ticket]);
    assert.equal(ring.slots.holder(0), 1);
  });

  for (const outcome of [READY, FAILED] as const) {
    test(`row 7: finish ${STATE_NAMES[outcome]} of a STALE claim frees the slot and publishes nothing`, T, () => {
      const ring = fresh();
      const ticket = ring.slots.request(0, 3);
      const claim = ring.slots.claimLowest(1)!;
      ring.slots.cancel(0);
      const events = Atomics.load(ring.words, H_EVENTS);
      assert.equal(ring.slots.finish(claim, outcome), false);
      assert.deepEqual(state(ring, 0), ['FREE', ticket]);
      assert.equal(Atomics.load(ring.words, H_EVENTS), events + 1, 'the reader learns the slot is free');
    });
  }

  test('row 8: reclaim takes a STALE slot back; a FREE slot counts as reclaimed', T, () => {
    const { ring, ticket } = slotIn(STALE);
    assert.equal(ring.slots.reclaim(0), true);
    assert.deepEqual(state(ring, 0), ['FREE', ticket]);
    assert.equal(ring.slots.reclaim(0), true);
    assert.deepEqual(state(ring, 0), ['FREE', ticket]);
  });

  for (const s of [REQUESTED, CLAIMED, READY, FAILED] as const) {
    test(`reclaim of a ${STATE_NAMES[s]} slot refuses and changes nothing`, T, () => {
      const { ring, ticket } = slotIn(s);
      assert.equal(ring.slots.reclaim(0), false);
      assert.deepEqual(state(ring, 0), [STATE_NAMES[s], ticket]);
    });
  }

  for (const s of [READY, FAILED] as const) {
    test(`row ${s === READY ? 9 : 10}: free and cancel both take a ${STATE_NAMES[s]} slot to FREE`, T, () => {
      const a = slotIn(s);
      a.ring.slots.free(0);
      assert.deepEqual(state(a.ring, 0), ['FREE', a.ticket]);
      const b = slotIn(s);
      assert.equal(b.ring.slots.cancel(0), true);
      assert.deepEqual(state(b.ring, 0), ['FREE', b.ticket]);
    });
  }

  for (const s of [FREE, REQUESTED, CLAIMED, STALE] as const) {
    test(`free of a ${STATE_NAMES[s]} slot throws and changes nothing`, T, () => {
      const { ring, ticket } = slotIn(s);
      assert.throws(() => ring.slots.free(0), /free of slot 0 in state/);
      assert.deepEqual(state(ring, 0), [STATE_NAMES[s], ticket]);
    });
  }

  test('cancel of a FREE slot is a no-op that says free', T, () => {
    const ring = fresh();
    assert.equal(ring.slots.cancel(0), true);
    assert.deepEqual(state(ring, 0), ['FREE', 0]);
  });
});

describe('tickets', () => {
  test('a late finish with an old ticket fails once the slot was re-requested, whatever state the new request is in', T, () => {
    const ring = fresh();
    ring.slots.request(0, 1);
    const old = ring.slots.claimLowest(1)!;
    ring.slots.cancel(0); // STALE
    ring.slots.reclaim(0); // the worker was declared dead (row 8)
    const t2 = ring.slots.request(0, 2);
    assert.equal(t2, old.ticket + 1);
    // new request still REQUESTED
    assert.equal(ring.slots.finish(old, READY), false);
    assert.deepEqual(state(ring, 0), ['REQUESTED', t2]);
    // new request CLAIMED by another worker
    const fresh2 = ring.slots.claimLowest(2)!;
    assert.equal(ring.slots.finish(old, READY), false);
    assert.equal(ring.slots.finish(old, FAILED), false);
    assert.deepEqual(state(ring, 0), ['CLAIMED', t2]);
    assert.equal(ring.slots.stillClaimed(old), false);
    assert.equal(ring.slots.stillClaimed(fresh2), true);
    // new claim cancelled: the old worker's finish must not free what is not its own (row 7 is per ticket)
    ring.slots.cancel(0);
    assert.equal(ring.slots.finish(old, READY), false);
    assert.deepEqual(state(ring, 0), ['STALE', t2]);
    assert.equal(ring.slots.finish(fresh2, READY), false);
    assert.deepEqual(state(ring, 0), ['FREE', t2]);
    // READY under the new ticket is not touched by the old claim either
    const t3 = ring.slots.request(0, 3);
    ring.slots.finish(ring.slots.claimLowest(2)!, READY);
    assert.equal(ring.slots.finish(old, FAILED), false);
    assert.deepEqual(state(ring, 0), ['READY', t3]);
  });

  test('tickets with the top bit set and the wrap to 0 work through a whole lap', T, () => {
    const ring = fresh();
    const top = 0x0fff_ffff;
    setWord(ring, 0, FREE, top - 1);
    for (const want of [top, 0, 1]) {
      const t = ring.slots.request(0, 5);
      assert.equal(t, want);
      assert.deepEqual(state(ring, 0), ['REQUESTED', want]);
      const claim = ring.slots.claimLowest(1)!;
      assert.deepEqual(claim, { slot: 0, ticket: want, index: 5 });
      assert.equal(ring.slots.stillClaimed(claim), true);
      assert.equal(ring.slots.finish(claim, READY), true);
      assert.deepEqual(state(ring, 0), ['READY', want]);
      ring.slots.free(0);
    }
    setWord(ring, 1, FREE, top - 1); // the next request takes the top ticket
    ring.slots.request(1, 6);
    const claim = ring.slots.claimLowest(1)!;
    assert.equal(ring.slots.cancel(1), false);
    assert.equal(ring.slots.finish(claim, READY), false);
    assert.deepEqual(state(ring, 1), ['FREE', top], 'row 7 with the top ticket');
  });
});

describe('announce and sleep', () => {
  test('announce counts a request batch and notifies only when a worker sleeps (H_SLEEPERS)', T, (t) => {
    const ring = fresh();
    const notify = t.mock.method(Atomics, 'notify');
    const before = ring.requestsSeen();
    ring.slots.announce();
    assert.equal(ring.requestsSeen(), before + 1);
    assert.equal(notify.mock.callCount(), 0, 'nobody sleeps: no notify');
    Atomics.store(ring.words, H_SLEEPERS, 1);
    ring.slots.announce();
    assert.equal(ring.requestsSeen(), before + 2);
    assert.equal(notify.mock.callCount(), 1);
    assert.equal(notify.mock.calls[0]!.arguments[1], H_REQUESTS);
  });

  test('finish notifies the reader only while it waits (H_READER_WAITING)', T, (t) => {
    const ring = fresh();
    const notify = t.mock.method(Atomics, 'notify');
    ring.slots.request(0, 1);
    ring.slots.finish(ring.slots.claimLowest(1)!, READY);
    assert.equal(notify.mock.callCount(), 0);
    Atomics.store(ring.words, H_READER_WAITING, 1);
    ring.slots.request(1, 2);
    ring.slots.finish(ring.slots.claimLowest(1)!, READY);
    assert.equal(notify.mock.callCount(), 1);
    assert.equal(notify.mock.calls[0]!.arguments[1], H_EVENTS);
  });

  test('while the reader waits for one slot (wakeFor), only that slot and late frees (row 7) notify', T, (t) => {
    const ring = fresh();
    const notify = t.mock.method(Atomics, 'notify');
    Atomics.store(ring.words, H_READER_WAITING, 1);
    ring.slots.wakeFor(2);
    for (let s = 0; s < 4; s++) ring.slots.request(s, 10 + s);
    const claims = [0, 1, 2, 3].map(() => ring.slots.claimLowest(1)!);
    assert.deepEqual(claims.map((c) => c.slot), [0, 1, 2, 3]);
    ring.slots.finish(claims[0]!, READY);
    ring.slots.finish(claims[1]!, FAILED);
    assert.equal(notify.mock.callCount(), 0, 'slots 0 and 1 are not awaited');
    assert.equal(ring.slots.cancel(3), false); // row 6: CLAIMED → STALE
    ring.slots.finish(claims[3]!, READY); // row 7: the slot comes back, which the reader may wait for
    assert.equal(notify.mock.callCount(), 1, 'a late free always notifies');
    ring.slots.finish(claims[2]!, READY);
    assert.equal(notify.mock.callCount(), 2, 'the awaited slot notifies');
    ring.slots.wakeFor('none');
    ring.slots.free(0);
    ring.slots.request(0, 20);
    ring.slots.finish(ring.slots.claimLowest(1)!, READY);
    assert.equal(notify.mock.callCount(), 2, "'none': publications do not notify");
    ring.slots.wakeFor('any');
    ring.slots.free(2);
    ring.slots.request(2, 21);
    ring.slots.finish(ring.slots.claimLowest(1)!, READY);
    assert.equal(notify.mock.callCount(), 3, "'any': every publication notifies");
    for (const call of notify.mock.calls) assert.equal(call.arguments[1], H_EVENTS);
  });

  test('a worker lingers only while the reader reads at random, one at a time, and leaves on time', T, () => {
    const ring = fresh();
    const seen = ring.requestsSeen();
    let t0 = performance.now();
    assert.equal(ring.slots.linger(seen, 5_000, 4), false, 'the reader streams: sleep instead');
    assert.ok(performance.now() - t0 < 1_000, 'and at once');
    ring.slots.setRandomReads(true);
    Atomics.store(ring.words, H_LINGERER, 1); // another worker lingers
    t0 = performance.now();
    assert.equal(ring.slots.linger(seen, 5_000, 4), false, 'one lingerer at a time');
    assert.ok(performance.now() - t0 < 1_000);
    Atomics.store(ring.words, H_LINGERER, 0);
    t0 = performance.now();
    assert.equal(ring.slots.linger(seen, 3, 4), false, 'no request: gives up after its time');
    assert.ok(performance.now() - t0 >= 3);
    assert.equal(Atomics.load(ring.words, H_LINGERER), 0, 'and gives the word back');
    ring.slots.announce();
    assert.equal(ring.slots.linger(seen, 5_000, 4), true, 'a request announced after `seen` ends it');
    assert.equal(Atomics.load(ring.words, H_LINGERER), 0);
    // A worker that died lingering never gives the word back: the reader clears it, for that worker only.
    Atomics.store(ring.words, H_LINGERER, 4 + 1);
    ring.slots.releaseLingerer(2);
    assert.equal(Atomics.load(ring.words, H_LINGERER), 5, 'another worker\'s death leaves it');
    ring.slots.releaseLingerer(4);
    assert.equal(Atomics.load(ring.words, H_LINGERER), 0);
  });

  test('announce wakes nobody while a worker lingers, and says so; wakeHelpers wakes sleepers only for requests left', T, (t) => {
    const ring = fresh();
    const notify = t.mock.method(Atomics, 'notify');
    Atomics.store(ring.words, H_SLEEPERS, 1);
    Atomics.store(ring.words, H_LINGERER, 1);
    assert.equal(ring.slots.announce(), true);
    assert.equal(notify.mock.callCount(), 0, 'the lingerer sees the add: no wake-up');
    Atomics.store(ring.words, H_LINGERER, 0);
    assert.equal(ring.slots.announce(), false);
    assert.equal(notify.mock.callCount(), 1, 'no lingerer: the sleeper is woken');
    ring.slots.wakeHelpers();
    assert.equal(notify.mock.callCount(), 1, 'nothing requested: no helper needed');
    ring.slots.request(3, 7);
    ring.slots.wakeHelpers();
    assert.equal(notify.mock.callCount(), 2, 'a request left and a sleeper: woken');
    Atomics.store(ring.words, H_SLEEPERS, 0);
    ring.slots.wakeHelpers();
    assert.equal(notify.mock.callCount(), 2, 'nobody asleep: nothing to wake');
  });

  test('a lingering worker takes a request announced on another thread, and leaves as soon as the reader streams', { timeout: 20_000 }, async () => {
    const ring = fresh();
    ring.slots.setRandomReads(true);
    const start = (): ReturnType<typeof protocolWorker> => protocolWorker({
      mode: 'linger', memory: ring.memory, workerId: 1, seed: 0, maxDelayMicros: 0, failIndexes: [],
      log: newLog(1), hang: new Int32Array(new SharedArrayBuffer(8)), hangIndex: -1, sleepMs: 15_000,
    });
    const report = (w: ReturnType<typeof protocolWorker>) => new Promise<{ lingered: boolean }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    const lingering = async () => {
      const deadline = Date.now() + 15_000;
      while (Atomics.load(ring.words, H_LINGERER) === 0) {
        assert.ok(Date.now() < deadline, 'the worker never lingered');
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    for (const end of ['announce', 'stream'] as const) {
      const w = start();
      try {
        const reported = report(w);
        await lingering();
        const t0 = Date.now();
        if (end === 'announce') assert.equal(ring.slots.announce(), true, 'the reader sees the lingerer');
        else ring.slots.setRandomReads(false);
        assert.deepEqual(await reported, { lingered: end === 'announce' });
        assert.ok(Date.now() - t0 < 14_000, 'ended by the reader, not by its 15 s');
        assert.equal(Atomics.load(ring.words, H_LINGERER), 0);
        await exited(w, 5_000);
      } finally {
        await w.terminate();
      }
    }
  });

  test('sleepUntilRequested returns at once on a missed announce, times out otherwise, and uncounts itself', T, () => {
    const ring = fresh();
    const seen = ring.requestsSeen();
    ring.slots.announce();
    assert.equal(ring.slots.sleepUntilRequested(seen, 5_000), 'not-equal');
    assert.equal(Atomics.load(ring.words, H_SLEEPERS), 0);
    assert.equal(ring.slots.sleepUntilRequested(ring.requestsSeen(), 1), 'timed-out');
    assert.equal(Atomics.load(ring.words, H_SLEEPERS), 0);
  });

  test('a worker asleep in sleepUntilRequested wakes when announce is called', { timeout: 20_000 }, async () => {
    const ring = fresh();
    const w = protocolWorker({
      mode: 'sleep', memory: ring.memory, workerId: 1, seed: 0, maxDelayMicros: 0, failIndexes: [],
      log: newLog(1), hang: new Int32Array(new SharedArrayBuffer(8)), hangIndex: -1, sleepMs: 15_000,
    });
    try {
      const woke = new Promise<{ woke: string }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      const deadline = Date.now() + 15_000;
      while (Atomics.load(ring.words, H_SLEEPERS) === 0) {
        assert.ok(Date.now() < deadline, 'the worker never went to sleep');
        await new Promise((r) => setTimeout(r, 5));
      }
      const t0 = Date.now();
      ring.slots.announce();
      assert.deepEqual(await woke, { woke: 'ok' }, 'woken by the notify, not by its 15 s timeout');
      assert.ok(Date.now() - t0 < 14_000);
      assert.equal(Atomics.load(ring.words, H_SLEEPERS), 0);
      await exited(w, 5_000);
    } finally {
      await w.terminate();
    }
  });
});

describe('the protocol across worker threads', () => {
  async function stress(name: string, o: { slotCount: number; slotBytes: number; workers: number; laps: number; cancelRate: number; inStore?: boolean }) {
    const seed = seedFromEnv();
    const random = mulberry32(seed);
    // In a store, the ring starts past the store's data: every offset must count from its header.
    const store = o.inStore ? new SharedStore(100_000) : undefined;
    const canary = store?.alloc(Uint8Array, 100_000).fill(0x5a);
    const ring = Ring.create({ slotCount: o.slotCount, slotBytes: o.slotBytes, poison: true, memory: store?.memory });
    if (store) assert.ok(ring.at >= 100_000, `the ring sits after the store's data (at ${ring.at})`);
    const elements = o.slotCount * o.laps;
    const failIndexes = new Set<number>();
    for (let i = 0; i < elements; i++) if (random() < 0.02) failIndexes.add(i);
    const log = newLog(elements * 2);
    const hang = new Int32Array(new SharedArrayBuffer(8));
    const workers: Worker[] = [];
    for (let id = 1; id <= o.workers; id++) {
      workers.push(protocolWorker({
        mode: 'serve', memory: ring.memory, at: ring.at, workerId: id, seed: seed + id, maxDelayMicros: 300,
        failIndexes: [...failIndexes], log, hang, hangIndex: -1, sleepMs: 0,
      }));
    }
    const errors: Error[] = [];
    for (const w of workers) w.on('error', (e) => errors.push(e));
    try {
      const r = await runReader({ ring, random, elements, failIndexes, cancelRate: o.cancelRate, maxDelayMicros: 300, deadlineMs: 15_000 });
      ring.close();
      await Promise.all(workers.map((w) => exited(w, 5_000)));
      assert.deepEqual(errors, []);
      checkRun(r, readLog(log), elements, failIndexes);
      assert.ok(r.requests / o.slotCount >= o.laps, `${r.requests} requests: at least ${o.laps} laps of ${o.slotCount} slots`);
      assert.ok(r.checks > elements / 2, 'most elements were read and checked word by word');
      assert.ok(r.staleKeys.size > 0, 'some claims were cancelled while a worker held them (rows 6, 7)');
      assert.equal(r.freedByWorker, r.staleKeys.size, 'every STALE slot came back through row 7');
      if (canary) assert.ok(canary.every((b) => b === 0x5a), "the store's data is untouched");
      console.log(`# ${name}: ${r.requests} requests, ${r.checks} checked, ${r.cancelled.size} cancelled (${r.staleKeys.size} while claimed), ${failIndexes.size} failing`);
    } finally {
      ring.close();
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }

  test('3 workers, 8 slots, 125 laps: every wanted element arrives once and whole; cancelled claims never publish', { timeout: 30_000 }, () =>
    stress('8 slots', { slotCount: 8, slotBytes: 256, workers: 3, laps: 125, cancelRate: 0.08 }));

  test('2 workers, 3 slots, 150 laps, bigger slots and more window moves', { timeout: 30_000 }, () =>
    stress('3 slots', { slotCount: 3, slotBytes: 2048, workers: 2, laps: 150, cancelRate: 0.15 }));

  test('the same protocol with the ring in a SharedStore (at an offset past the store\'s data), 100 laps', { timeout: 30_000 }, () =>
    stress('in a store', { slotCount: 5, slotBytes: 512, workers: 2, laps: 100, cancelRate: 0.1, inStore: true }));

  test('a worker killed while it holds a claim: the slot goes STALE, is reclaimed after the exit, and the element comes from another worker', { timeout: 30_000 }, async () => {
    const seed = seedFromEnv();
    const random = mulberry32(seed);
    const ring = Ring.create({ slotCount: 6, slotBytes: 512, poison: true });
    const elements = 6 * 100;
    const hangIndex = 150 + Math.floor(random() * 200);
    const failIndexes = new Set<number>([3, 400]);
    const log = newLog(elements * 2);
    const hang = new Int32Array(new SharedArrayBuffer(8));
    const workers = new Map<number, Worker>();
    for (let id = 1; id <= 3; id++) {
      workers.set(id, protocolWorker({
        mode: 'serve', memory: ring.memory, at: ring.at, workerId: id, seed: seed + id, maxDelayMicros: 300,
        failIndexes: [...failIndexes], log, hang, hangIndex, sleepMs: 0,
      }));
    }
    let phase: 'hold' | 'killed' | 'reclaimed' = 'hold';
    let victimSlot = -1;
    let victimTicket = -1;
    let victimExited = false;
    let exit: Promise<number> | undefined;
    try {
      const r = await runReader({
        ring, random, elements, failIndexes, cancelRate: 0.05, maxDelayMicros: 300, deadlineMs: 20_000,
        neverCancel: new Set([hangIndex]),
        onStep: (r) => {
          if (phase === 'hold' && Atomics.load(hang, 0) === 1) {
            const victimId = Atomics.load(hang, 1);
            const found = [...r.out].find(([, job]) => job.index === hangIndex);
            assert.ok(found, 'the held element is still wanted');
            [victimSlot, { ticket: victimTicket }] = found;
            assert.deepEqual(state(ring, victimSlot), ['CLAIMED', victimTicket]);
            assert.equal(ring.slots.holder(victimSlot), victimId);
            const victim = workers.get(victimId)!;
            exit = exited(victim, 5_000);
            void exit.then(() => { victimExited = true; });
            void victim.terminate();
            workers.delete(victimId);
            assert.equal(ring.slots.cancel(victimSlot), false, 'row 6: the dead worker\'s slot is STALE, not free');
            r.out.delete(victimSlot);
            r.stale.add(victimSlot);
            r.dead.add(victimSlot);
            r.staleKeys.add(key(victimSlot, victimTicket));
            r.deadKeys.add(key(victimSlot, victimTicket));
            phase = 'killed';
          } else if (phase === 'killed' && victimExited) {
            assert.deepEqual(state(ring, victimSlot), ['STALE', victimTicket], 'nobody touched the slot meanwhile');
            assert.equal(ring.slots.reclaim(victimSlot), true, 'row 8');
            assert.deepEqual(state(ring, victimSlot), ['FREE', victimTicket]);
            r.stale.delete(victimSlot);
            r.dead.delete(victimSlot);
            r.retry.push(hangIndex);
            phase = 'reclaimed';
          }
        },
      });
      assert.equal(phase, 'reclaimed', 'the kill happened and the slot was reclaimed');
      assert.equal(await exit, 1, 'terminate() ends a worker with exit code 1');
      ring.close();
      await Promise.all([...workers.values()].map((w) => exited(w, 5_000)));
      checkRun(r, readLog(log), elements, failIndexes);
      assert.equal(r.delivered.get(hangIndex), 1, 'the killed element arrived once, from another worker');
      const deliveries = readLog(log).filter((e) => e.index === hangIndex);
      assert.equal(deliveries.length, 1);
      // Tickets count per slot, so another slot may well be at the same ticket: compare both.
      assert.notEqual(key(deliveries[0]!.slot, deliveries[0]!.ticket), key(victimSlot, victimTicket), 'not under the dead claim');
      console.log(`# kill: element ${hangIndex} in slot ${victimSlot}, ${r.requests} requests, ${r.checks} checked`);
    } finally {
      ring.close();
      await Promise.all([...workers.values()].map((w) => w.terminate()));
    }
  });
});
