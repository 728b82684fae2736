/**
 * How big the ring's slots are made: from the first element that arrives
 * (by message, before there is a ring), with headroom, as later elements'
 * descriptions may be a little longer (bigger numbers in them).
 *
 * That first element may be a batch's short last group: a reader that looks
 * at the end first (a warm-up, a progress bar, a random read) asks for it
 * before any other. Slots sized by it were too small for every full group,
 * so each group then travelled by message, computed into fresh memory and
 * copied: 16-image groups of the bench's image pipeline came at 490–710
 * images/s in Chromium against 8,600–9,300 with slots sized by a full
 * group. So a group shorter than the plan's batch size is counted as a
 * full one (its elements mostly share one size), when there is a full one:
 * a batch of one short group keeps slots of its size (3 images in batches
 * of 1000 would otherwise have made slots for 1000).
 */
import { batchGroups, type Plan } from '../plan/plan.js';
import { KIND_CLONE, encodedBytes, plan as planEncoding } from '../ring/codec.js';

/** Slots of a ring whose elements all travel by message (slots.ts, KIND_CLONE): room for the control words only. */
export const CLONE_SLOT_BYTES = 4096;

/** Bytes a slot needs for elements like `first`, the first element of `plan` (`length` elements) to arrive. */
export function slotBytesFor(first: unknown, plan: Plan, length: number): number {
  const e = planEncoding(first);
  if (e.kind === KIND_CLONE) return CLONE_SLOT_BYTES;
  const k = batchGroups(plan.nodes[plan.root]!)?.k;
  // Only the last group can be short; the others are full.
  const bytes = Array.isArray(first) && k !== undefined && length > 1 && first.length > 0 && first.length < k
    ? Math.ceil((encodedBytes(e) * k) / first.length)
    : encodedBytes(e);
  return bytes + Math.max(256, bytes >> 4);
}
