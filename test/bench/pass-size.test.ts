import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passSize } from '../../bench/pass-size.js';

/** A pipeline with `startup` seconds of start-up per pass and `perSecond` elements/s after it. */
function withStartup(startup: number, perSecond: number) {
  const passes: number[] = [];
  const rate = (n: number) => {
    passes.push(n);
    return n / (startup + n / perSecond);
  };
  return { rate, passes };
}

test('passes sized through a start-up cost last about the target, not a fraction of it', async () => {
  // 0.25 s of start-up at 20k/s: a 400-element pass reads 1.5k/s, which alone would size 2.4k-element (0.37 s) passes.
  const p = withStartup(0.25, 20_000);
  const n = await passSize(p.rate, { guess: 400, seconds: 1.5, min: 200 });
  const lasts = 0.25 + n / 20_000;
  assert.ok(lasts >= 1.2 && lasts <= 1.9, `a pass of ${n} lasts ${lasts.toFixed(2)} s`);
  assert.ok(p.passes.length >= 3, `measured ${p.passes.length} times`);
});

test('a first pass already long enough is not measured again', async () => {
  const p = withStartup(0, 1000);
  const n = await passSize(p.rate, { guess: 1000, seconds: 1.5, min: 200 });
  assert.equal(n, 1500);
  assert.deepEqual(p.passes, [1000]);
});

test('passes that never last long enough are measured four times, then sized from the last', async () => {
  const passes: number[] = [];
  const n = await passSize((m) => (passes.push(m), m / 0.01), { guess: 10, seconds: 1.5, min: 1 }); // every pass lasts 0.01 s
  assert.deepEqual(passes, [10, 1500, 225_000, 33_750_000]);
  assert.equal(n, 5_062_500_000);
});

test('the size stays within min and max', async () => {
  assert.equal(await passSize(() => 1, { guess: 10, seconds: 1.5, min: 200 }), 200);
  assert.equal(await passSize(() => 1000, { guess: 10, seconds: 1.5, min: 200, max: 5000 }), 1500);
  assert.equal(await passSize((m) => m * 1e6, { guess: 10, seconds: 1.5, min: 200, max: 5000 }), 5000);
});
