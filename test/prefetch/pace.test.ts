/**
 * When the reader may sleep past the element it waits for (pace.ts), fed the
 * looks of a watch loop at the paces of the bench's cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pace } from '../../src/prefetch/pace.js';

/** A slot of a 224×224×3 float32 image. */
const LARGE = 224 * 224 * 3 * 4;

/** Looks at `everyMs` intervals, each settling `settled` elements, workers napping `napsPer` per look. */
function paced(looks: number, everyMs: number, settled: number, napsPer: number): Pace {
  const pace = new Pace(0);
  for (let k = 1; k <= looks; k++) pace.look(settled, Math.floor(k * napsPer), k * everyMs);
  return pace;
}

test('busy workers, elements settling every 0.05 ms (an image pipeline): half the window, at most 8', () => {
  assert.equal(paced(20, 0.1, 2, 0).lookahead(16, LARGE), 8);
  assert.equal(paced(20, 0.1, 2, 0).lookahead(64, LARGE), 8);
  assert.equal(paced(20, 0.1, 2, 0).lookahead(5, LARGE), 2);
  assert.equal(paced(20, 0.1, 2, 0).lookahead(1, LARGE), 0);
});

test('small elements (slots under 64 KiB): none, whatever the pace', () => {
  assert.equal(paced(20, 0.1, 2, 0).lookahead(16, 1024 + 256), 0);
  assert.equal(paced(20, 0.1, 2, 0).lookahead(16, 64 * 1024), 8);
});

test('workers napping between batches (small elements, a nap per 4 elements): none', () => {
  // 8 elements a look, 2 naps a look; and the same with the naps on alternate looks only.
  assert.equal(paced(20, 0.05, 8, 2).lookahead(16, LARGE), 0);
  const pace = new Pace(0);
  for (let k = 1; k <= 21; k++) pace.look(4, Math.floor(k / 2) * 2, k * 0.03); // no nap in the last look
  assert.equal(pace.lookahead(16, LARGE), 0, 'a look after a nap-free one still sees the nap rate');
});

test('a nap since the last look turns it off at once, however good the averages', () => {
  const pace = paced(20, 0.4, 8, 0);
  assert.equal(pace.lookahead(16, LARGE), 8);
  pace.look(8, 1, 8.4); // one nap in 8 elements keeps the smoothed rate under one in ten
  assert.equal(pace.lookahead(16, LARGE), 0);
  pace.look(8, 1, 8.8);
  assert.equal(pace.lookahead(16, LARGE), 8, 'no nap since: the rates are still good');
});

test('slow elements, even when several settle together (4 workers on 5–10 ms elements): none', () => {
  const pace = new Pace(0);
  let t = 0;
  for (let k = 0; k < 40; k++) {
    t += k % 3 === 0 ? 0.05 : 3; // bursts of close finishes between longer gaps
    pace.look(k % 3 === 0 ? 3 : 1, 0, t);
  }
  assert.equal(pace.lookahead(16, LARGE), 0);
});

test('before any element settled: none', () => {
  const pace = new Pace(0);
  assert.equal(pace.lookahead(16, LARGE), 0);
  pace.look(0, 0, 1);
  pace.look(0, 0, 2);
  assert.equal(pace.lookahead(16, LARGE), 0);
});
