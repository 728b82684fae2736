/**
 * Waiting for a word to change without blocking the thread (wait.ts): every
 * wait ends on a change or by its bound, and many waits share one timer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { ChangeWaiter } from '../../src/prefetch/wait.js';
import { within } from '../helpers/time.js';

const T = { timeout: 20_000 };

function word(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(16));
}

/** Counts the timers set while `body` runs (the waiter's, and the test's own `within`s). */
async function countingTimers(body: () => Promise<void>): Promise<number> {
  const real = globalThis.setTimeout;
  let count = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    count++;
    return real(...args);
  }) as typeof setTimeout;
  try {
    await body();
  } finally {
    globalThis.setTimeout = real;
  }
  return count;
}

test('a wait ends when another thread changes the word and notifies', T, async () => {
  const words = word();
  const waiter = new ChangeWaiter(words, 1);
  const w = new Worker(
    `const { workerData: words } = require('node:worker_threads');
     setTimeout(() => { Atomics.store(words, 1, 7); Atomics.notify(words, 1); }, 20);`,
    { eval: true, workerData: words },
  );
  try {
    await within(10_000, waiter.wait(0, 60_000), 'a wait for a change');
    assert.equal(Atomics.load(words, 1), 7);
  } finally {
    await w.terminate();
  }
});

test('a wait for a word that never changes ends by its bound, at most 4 ms early', T, async () => {
  const waiter = new ChangeWaiter(word(), 0);
  for (const ms of [30, 120]) {
    const start = performance.now();
    await within(5_000, waiter.wait(0, ms), `a ${ms} ms wait`);
    const took = performance.now() - start;
    assert.ok(took >= ms - 4 - 1, `a ${ms} ms wait ended after ${took.toFixed(1)} ms`);
  }
});

test('a wait on a word that already changed ends at once, setting no timer', T, async () => {
  const words = word();
  Atomics.store(words, 0, 3);
  const waiter = new ChangeWaiter(words, 0);
  const timers = await countingTimers(() => waiter.wait(0, 60_000));
  assert.equal(timers, 0);
});

test('a thousand waits ended by changes share one timer: no wake-up per wait', T, async () => {
  const words = word();
  const waiter = new ChangeWaiter(words, 2);
  const timers = await countingTimers(async () => {
    for (let v = 0; v < 1000; v++) {
      const ended = waiter.wait(v, 50);
      Atomics.store(words, 2, v + 1);
      Atomics.notify(words, 2);
      await ended;
    }
  });
  // One timer for the first wait; each later wait finds it still set (they all end within 50 ms of it).
  assert.ok(timers <= 2, `${timers} timers set for 1000 waits`);
});

test('a short wait after a long one is held to its own bound, not the long one\'s timer', T, async () => {
  const words = word();
  const waiter = new ChangeWaiter(words, 0);
  const long = waiter.wait(0, 60_000);
  Atomics.store(words, 0, 1);
  Atomics.notify(words, 0);
  await long;
  const start = performance.now();
  await within(5_000, waiter.wait(1, 30), 'a 30 ms wait after a 60 s one');
  assert.ok(performance.now() - start >= 30 - 4 - 1);
});

test('without Atomics.waitAsync, waits poll: they end on a change and by their bound', T, async () => {
  const atomics = Atomics as { waitAsync?: unknown };
  const saved = atomics.waitAsync;
  const words = word();
  delete atomics.waitAsync; // the engine has none when the waiter is made
  let waiter: ChangeWaiter;
  try {
    waiter = new ChangeWaiter(words, 0);
  } finally {
    atomics.waitAsync = saved;
  }
  const changed = waiter.wait(0, 60_000);
  setTimeout(() => Atomics.store(words, 0, 1), 20); // no notify: only polling sees this store
  await within(5_000, changed, 'a polled wait for a change');
  const start = Date.now();
  await within(5_000, waiter.wait(1, 30), 'a polled 30 ms wait');
  assert.ok(Date.now() - start >= 29);
});
