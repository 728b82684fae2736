/**
 * The async backend (src/prefetch/async-backend.ts) on its own: which
 * element it evaluates next when more are started than run at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncBackend } from '../../src/prefetch/async-backend.js';
import type { BackendEvents, Job } from '../../src/prefetch/backend.js';
import { arange, smap } from '../../src/index.js';

test('an element a read waits for is evaluated before the read-ahead started earlier and not yet running', async () => {
  const evaluated: number[] = [];
  const settled: number[] = [];
  let allSettled: () => void = () => {};
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const events: BackendEvents = {
    settled: (job: Job) => {
      settled.push(job.index);
      if (settled.length === 4) allSettled();
    },
    lost: () => assert.fail('nothing is lost on this thread'),
    capacity: () => {},
    fatal: (error) => assert.fail(error),
  };
  const s = smap(async (i: number) => (evaluated.push(i), i), arange(10));
  const backend = new AsyncBackend(events, s, 1, 8); // one at a time
  backend.start(1, false); // runs at once
  backend.start(2, false);
  backend.start(3, false);
  backend.start(0, true); // waited for: ahead of 2 and 3
  await done;
  assert.deepEqual(evaluated, [1, 0, 2, 3]);
  await backend.close();
});
