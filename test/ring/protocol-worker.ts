/**
 * A raw worker for the ring protocol tests: it plays the worker side of
 * slots.ts directly (no pipeline, no Comlink), so the tests exercise the
 * state machine and nothing else.
 *
 * mode 'serve': claim the next request (the urgent one, the log, else the lowest index), sleep a seeded random delay, fill
 * the slot's whole data area with `pattern(index, ticket, k)`, publish READY
 * (or FAILED for the indexes in `failIndexes`), and log every finish in the
 * shared `log` so the test can match finishes with its cancels. Exits once
 * the ring is closed.
 *
 * mode 'sleep': sleep once in `sleepUntilRequested` and report how it woke.
 * mode 'linger': linger once (`linger`, up to sleepMs) and report whether a request came.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Ring } from '../../src/ring/ring.js';
import { FAILED, READY } from '../../src/ring/slots.js';
import { KIND_ERROR, KIND_TYPED, dtypeCode, encodeError, serializeError } from '../../src/ring/codec.js';
import { S_BYTES, S_DTYPE, S_KIND, S_META_BYTES } from '../../src/ring/layout.js';
import { mulberry32 } from '../helpers/workers.js';

export interface ProtocolWorkerData {
  readonly mode: 'serve' | 'sleep' | 'linger';
  readonly memory: WebAssembly.Memory;
  /** Byte offset of the ring in `memory` (0 unless it lives in a store's memory). */
  readonly at?: number;
  readonly workerId: number;
  readonly seed: number;
  /** Longest random delay in microseconds (per element, and once more mid-write). */
  readonly maxDelayMicros: number;
  readonly failIndexes: readonly number[];
  /** Finish log: [0] = entries used, then LOG_FIELDS Int32 per entry. */
  readonly log: Int32Array;
  /**
   * Kill support: [0] is set 0 → 1 by the first worker that claims `hangIndex`,
   * which then stores its id in [1] and blocks (finitely) until terminated.
   */
  readonly hang: Int32Array;
  readonly hangIndex: number;
  /** For modes 'sleep' and 'linger': how long to wait at most. */
  readonly sleepMs: number;
}

export const LOG_FIELDS = 6;
/** Log entry fields. */
export const L_SLOT = 0, L_TICKET = 1, L_INDEX = 2, L_WORKER = 3, L_PUBLISHED = 4, L_DONE = 5;

/** The word `k` of element `index` delivered under `ticket`: any stale, torn or misplaced word shows. */
export function pattern(index: number, ticket: number, k: number): number {
  return (Math.imul(index, 2654435761) ^ Math.imul(ticket, 0x85ebca6b) ^ k) >>> 0;
}

export function fillPattern(out: Uint32Array, index: number, ticket: number, from: number, to: number): void {
  const base = (Math.imul(index, 2654435761) ^ Math.imul(ticket, 0x85ebca6b)) >>> 0;
  for (let k = from; k < to; k++) out[k] = (base ^ k) >>> 0;
}

function main(d: ProtocolWorkerData): void {
  const ring = Ring.attach({ memory: d.memory, at: d.at ?? 0 });
  const slots = ring.slots;
  if (d.mode === 'linger') {
    parentPort!.postMessage({ lingered: slots.linger(ring.requestsSeen(), d.sleepMs, d.workerId) });
    return;
  }
  if (d.mode === 'sleep') {
    const r = slots.sleepUntilRequested(ring.requestsSeen(), d.sleepMs);
    parentPort!.postMessage({ woke: r });
    return;
  }
  const random = mulberry32(d.seed);
  const scratch = new Int32Array(new SharedArrayBuffer(4));
  const failing = new Set(d.failIndexes);
  const u32 = dtypeCode(new Uint32Array(0));

  // 0–maxDelayMicros, as a busy-wait or a (finite) Atomics.wait on a word nobody changes.
  const delay = (): void => {
    const micros = random() * d.maxDelayMicros;
    if (random() < 0.5) {
      const until = performance.now() + micros / 1000;
      while (performance.now() < until) { /* spin */ }
    } else {
      Atomics.wait(scratch, 0, 0, micros / 1000);
    }
  };

  while (!ring.closed) {
    ring.beat(d.workerId);
    const seen = ring.requestsSeen();
    const claim = slots.claimNext(d.workerId); // as the runtime's workers do: the urgent request, the log, else the scan
    if (!claim) {
      slots.sleepUntilRequested(seen, 20);
      continue;
    }
    if (claim.index === d.hangIndex && Atomics.compareExchange(d.hang, 0, 0, 1) === 0) {
      Atomics.store(d.hang, 1, d.workerId);
      Atomics.notify(d.hang, 0);
      Atomics.wait(scratch, 0, 0, 20_000); // the test terminates us long before this ends
    }
    delay();
    const at = ring.dataOffset(claim.slot);
    let outcome: typeof READY | typeof FAILED = READY;
    if (failing.has(claim.index)) {
      const error = new RangeError(`element ${claim.index} fails`);
      (error as { index?: number }).index = claim.index;
      // Production sends an error too big for the slot by message; here it must fit, so no stack.
      const text = encodeError({ ...serializeError(error), stack: undefined });
      if (text.byteLength > ring.slotBytes) throw new Error('protocol-worker: error text does not fit the slot');
      new Uint8Array(ring.buffer).set(text, at);
      ring.setField(claim.slot, S_KIND, KIND_ERROR);
      ring.setField(claim.slot, S_META_BYTES, text.byteLength);
      outcome = FAILED;
    } else {
      // The whole data area, in two halves with a delay between: a reader that
      // looks before READY, or a second writer in the same slot, leaves a tear.
      const words = new Uint32Array(ring.buffer, at, ring.slotBytes / 4);
      const half = words.length >> 1;
      fillPattern(words, claim.index, claim.ticket, 0, half);
      if (random() < 0.3) delay();
      fillPattern(words, claim.index, claim.ticket, half, words.length);
      ring.setField(claim.slot, S_KIND, KIND_TYPED);
      ring.setField(claim.slot, S_DTYPE, u32);
      ring.setField(claim.slot, S_BYTES, ring.slotBytes);
      ring.setField(claim.slot, S_META_BYTES, 0);
    }
    if (random() < 0.5) slots.stillClaimed(claim); // as the runtime does; the answer may be stale by now
    const published = slots.finish(claim, outcome);
    const entry = Atomics.add(d.log, 0, 1);
    const base = 1 + entry * LOG_FIELDS;
    if (base + LOG_FIELDS > d.log.length) throw new Error('protocol-worker: log full');
    d.log[base + L_SLOT] = claim.slot;
    d.log[base + L_TICKET] = claim.ticket;
    d.log[base + L_INDEX] = claim.index;
    d.log[base + L_WORKER] = d.workerId;
    d.log[base + L_PUBLISHED] = published ? 1 : 0;
    Atomics.store(d.log, base + L_DONE, 1);
  }
}

// The tests import pattern() and the log layout from here: only a worker runs the loop.
if (!isMainThread) main(workerData as ProtocolWorkerData);
