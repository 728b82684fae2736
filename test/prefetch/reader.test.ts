/**
 * The read-ahead window (src/prefetch/reader.ts) against a scripted backend,
 * no workers: which jobs it starts and cancels, and that it stays within the
 * backend's room while cancelled jobs still hold some of it (as ring slots
 * do while a worker finishes an element nobody wants).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, type Lease } from '../../src/prefetch/reader.js';
import type { Backend, BackendEvents, Job } from '../../src/prefetch/backend.js';
import { mulberry32, seedFromEnv } from '../helpers/random.js';
import { mixedReads, type Readable } from '../helpers/mixed-reads.js';

/**
 * Jobs finish at once and settle on the next turn of the event loop, or
 * when polled, whichever comes first (unless `hold`: never), and a
 * cancelled job keeps its place until the turn after, like a slot a worker
 * still computes in. `start` throws past `capacityTotal`, as the ring's does.
 */
class ScriptedBackend implements Backend {
  readonly transport = 'shared' as const;
  readonly capacityTotal: number;
  readonly active = new Set<Job>();
  readonly started: number[] = [];
  readonly cancelled: number[] = [];
  readonly polled: number[] = [];
  /** What the reader said of its reads, in order. */
  readonly random: boolean[] = [];
  private readonly finished = new Set<Job>();
  hold = false;
  /** Whether a poll settles a finished job at once (a slot already published) or leaves it to its notice. */
  settleOnPoll = true;
  private token = 1;

  constructor(
    private readonly events: BackendEvents,
    maxBuffered: number,
  ) {
    this.capacityTotal = maxBuffered + 1;
  }

  room(): number {
    return this.capacityTotal - this.active.size;
  }
  flush(): void {}
  randomReads(random: boolean): void {
    this.random.push(random);
  }
  start(index: number): Job {
    if (this.room() <= 0) throw new Error(`start(${index}) with no room: ${this.active.size} of ${this.capacityTotal} held`);
    const job = { index, token: this.token++ };
    this.active.add(job);
    this.started.push(index);
    if (!this.hold) {
      this.finished.add(job);
      setImmediate(() => this.settle(job));
    }
    return job;
  }
  /** A finished job settles when polled, before its notice comes (as a ring slot does). */
  poll(job: Job): void {
    this.polled.push(job.index);
    if (this.settleOnPoll) this.settle(job);
  }
  private settle(job: Job): void {
    if (!this.finished.delete(job) || !this.active.has(job)) return;
    this.events.settled(job, { ok: true });
  }
  cancel(job: Job): void {
    this.cancelled.push(job.index);
    setImmediate(() => {
      this.active.delete(job);
      this.events.capacity();
    });
  }
  take(job: Job): unknown {
    if (!this.active.has(job)) throw new Error(`take of job ${job.index} that is gone`);
    return job.index * 10;
  }
  discard(job: Job): void {
    this.active.delete(job);
  }
  async close(): Promise<void> {}
}

function setUp(maxBuffered: number, length = 1000) {
  const reader = new Reader({ length, maxBuffered, errorFor: (i) => new Error(`element ${i} failed`) });
  const backend = new ScriptedBackend(reader, maxBuffered);
  reader.attach(backend);
  return { reader, backend };
}

describe('the read-ahead window', () => {
  test('every read gets its own element, in order, after jumps and in bursts, within the room', async () => {
    const seed = seedFromEnv();
    const rand = mulberry32(seed);
    const { reader, backend } = setUp(8);
    for (let i = 0; i < 100; i++) assert.equal(await reader.read(i, false), i * 10);
    for (let k = 0; k < 300; k++) {
      const i = Math.floor(rand() * 1000);
      assert.equal(await reader.read(i, false), i * 10, `seed ${seed}, read ${k}`);
    }
    const burst = Array.from({ length: 40 }, () => Math.floor(rand() * 1000));
    assert.deepEqual(await Promise.all(burst.map((i) => reader.read(i, false))), burst.map((i) => i * 10), `seed ${seed}`);
    assert.ok(backend.cancelled.length > 0, 'the jumps cancelled read-ahead');
    assert.ok(backend.polled.length > 0, 'reads polled jobs they would otherwise wait for');
  });

  test('reading i starts i … i + maxBuffered and nothing beyond', async () => {
    const { reader, backend } = setUp(8);
    assert.equal(await reader.read(0, false), 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([...backend.started].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('a jump cancels the old window instead of waiting for it, and starts the new index first', async () => {
    const { reader, backend } = setUp(8);
    backend.hold = true; // nothing finishes: the old window is still running when the reader jumps
    void reader.read(0, false);
    assert.deepEqual(backend.started.slice(0, 1), [0]);
    const before = backend.started.length;
    backend.hold = false;
    const far = reader.read(500, false);
    // Element 0 has a reader waiting, so it stays; the rest of the old window goes at once.
    assert.deepEqual([...backend.cancelled].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(await far, 5000);
    assert.equal(backend.started[before], 500, 'the element read is started before its read-ahead');
  });

  test('the backend hears when reads turn random (a restart) and when they stream again, once per change', async () => {
    const { reader, backend } = setUp(8);
    await reader.read(0, false); // the first read restarts the window
    await reader.read(1, false);
    await reader.read(2, false);
    await reader.read(500, false);
    await reader.read(90, false);
    await reader.read(91, false);
    await reader.read(95, false); // a step forward inside the window is not a restart
    assert.deepEqual(backend.random, [true, false, true, false]);
  });

  test('every read settles, with its element or the leases error, under any mix of gets, leases and releases (seeded)', async () => {
    const seed = seedFromEnv();
    const length = 200;
    const { reader, backend } = setUp(2, length);
    backend.settleOnPoll = false; // elements arrive only later, with nothing else happening meanwhile
    const reads: Readable<unknown> = {
      length,
      get: (i) => reader.read(i, false),
      lease: (i) => reader.read(i, true) as Promise<Lease<unknown>>,
    };
    // Each job here finishes a turn after it starts, so a quiet moment of 200 ms is plenty.
    const r = await mixedReads(reads, { holds: (v, i) => v === i * 10, seed, steps: 4000, quietLimitMs: 200 });
    assert.deepEqual(r.stuck, [], `seed ${seed}: reads still pending 200 ms into a quiet moment at step ${r.stuckAtStep}`);
    assert.deepEqual(r.failures, [], `seed ${seed}`);
  });

  test('an element waited for before it could start is polled once it starts (the backend watches only polled jobs)', async () => {
    const { reader, backend } = setUp(2);
    backend.hold = true; // nothing finishes: 0, 1, 2 hold all three places
    void reader.read(0, false);
    assert.deepEqual(backend.started, [0, 1, 2]);
    const far = reader.read(10, false);
    // The cancelled 1 and 2 keep their places until the next turn: 10 cannot start yet.
    assert.equal(backend.started.includes(10), false);
    assert.equal(backend.polled.includes(10), false);
    backend.hold = false;
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(backend.started.includes(10), 'element 10 started once the places came back');
    assert.ok(backend.polled.includes(10), 'and was polled as it started, so the backend wakes the reader for it');
    assert.equal(await far, 100);
  });
});
