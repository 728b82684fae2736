/**
 * The reader's side of the slot protocol, without workers: which slot the
 * watch loop asks to be woken for (`wakeSlot`, with and without a
 * lookahead). When it may sleep past the awaited element: pace.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ring } from '../../src/ring/ring.js';
import { READY } from '../../src/ring/slots.js';
import { SlotJobs } from '../../src/prefetch/slot-jobs.js';
import type { Job } from '../../src/prefetch/backend.js';

function setUp(indexes: number[]) {
  const ring = Ring.create({ slotCount: 12, slotBytes: 64 });
  const settled: number[] = [];
  const slotJobs = new SlotJobs(ring, { settled: (job) => void settled.push(job.index), lost() {}, capacity() {}, fatal() {} }, false);
  const jobs = new Map<number, Job>();
  for (const index of indexes) {
    const job = { index, token: index };
    jobs.set(index, job);
    slotJobs.start(job);
  }
  /** The slot element `index` was requested in. */
  const slotOf = (index: number): number => {
    for (let s = 0; s < ring.slotCount; s++) if (ring.slots.elementOf(s) === index) return s;
    throw new Error(`element ${index} has no slot`);
  };
  return { ring, slotJobs, jobs, settled, slotOf };
}

test('wakeSlot is the awaited element\'s slot without a lookahead, and "none" when nothing is awaited', () => {
  const { slotJobs, jobs, slotOf } = setUp([10, 11, 12, 13]);
  assert.equal(slotJobs.wakeSlot(), 'none');
  slotJobs.poll(jobs.get(10)!);
  assert.equal(slotJobs.wakeSlot(), slotOf(10));
});

test('with a lookahead, wakeSlot is the highest element that far ahead that is requested or being made and not published', () => {
  const { ring, slotJobs, jobs, settled, slotOf } = setUp([10, 11, 12, 13, 14, 15, 16]);
  const claimed = [ring.slots.claimLowest(0)!, ring.slots.claimLowest(1)!, ring.slots.claimLowest(0)!]; // 10, 11, 12
  assert.deepEqual(claimed.map((c) => c.index), [10, 11, 12]);
  slotJobs.poll(jobs.get(10)!); // the reader waits for 10
  slotJobs.lookahead = 3;
  assert.equal(slotJobs.wakeSlot(), slotOf(13), 'requested, not yet claimed');
  slotJobs.lookahead = 2;
  assert.equal(slotJobs.wakeSlot(), slotOf(12), 'being made');
  // 12 is published and settled: the highest left within 2 is 11.
  ring.slots.finish(claimed[2]!, READY);
  slotJobs.scan();
  assert.deepEqual(settled, [12]);
  assert.equal(slotJobs.wakeSlot(), slotOf(11));
  // Past the last requested element: the last one.
  slotJobs.lookahead = 100;
  assert.equal(slotJobs.wakeSlot(), slotOf(16));
  // Everything ahead within reach published: the awaited one itself.
  ring.slots.finish(claimed[1]!, READY);
  slotJobs.scan();
  slotJobs.lookahead = 2;
  assert.equal(slotJobs.wakeSlot(), slotOf(10));
});

test('while the reader reads at random, wakeSlot is the awaited element\'s slot whatever the lookahead', () => {
  const { ring, slotJobs, jobs, slotOf } = setUp([20, 21, 22, 23]);
  slotJobs.poll(jobs.get(20)!);
  slotJobs.lookahead = 2;
  ring.slots.setRandomReads(true);
  assert.equal(slotJobs.wakeSlot(), slotOf(20));
  ring.slots.setRandomReads(false);
  assert.equal(slotJobs.wakeSlot(), slotOf(22));
});

test('with two elements awaited (gets in parallel) wakeSlot is "any", lookahead or not', () => {
  const { slotJobs, jobs } = setUp([3, 4, 5, 6]);
  slotJobs.lookahead = 2;
  slotJobs.poll(jobs.get(3)!);
  slotJobs.poll(jobs.get(5)!);
  assert.equal(slotJobs.wakeSlot(), 'any');
});
