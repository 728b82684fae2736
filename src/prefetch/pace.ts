/**
 * The pace of a prefetch as its watch loop sees it, and what follows from it:
 * how far past the element the reader waits for it may sleep
 * (SlotJobs.lookahead).
 *
 * Each wake-up of the reader's thread costs it tens of µs, and on a machine
 * with as many busy workers as cores it also takes a core from a worker for
 * that long. When workers are busy and elements settle fast, waking once for
 * several elements gives that time back to the workers (an image pipeline in
 * 2 workers on 2 cores: 5.5k wake-ups per 15k images → 1.5k). It is not free:
 * the elements before the one woken for are read a little later, and the
 * slots they hold come back later. So only while
 *  - elements are large (slots of MIN_SLOT_BYTES or more). Small elements are
 *    paced by the reader: workers outrun it and sleep between batches, and
 *    the sooner it reads, the sooner it asks for the next batch. With a
 *    lookahead, 1 KB elements in 2 workers came 9–10% slower. Their
 *    workers nap 0.11 times per element, too close to an image pipeline's
 *    0.07 to tell the two apart by naps alone;
 *  - no worker has run out of requests since the last look (a nap: it needs
 *    the reader back as soon as possible), and workers nap rarely (under
 *    NAPS_PER_ELEMENT naps per element);
 *  - elements settle at least every FAST_ELEMENT_MS (slower ones gain little,
 *    and the unread slots can starve workers: 4 workers on 5–10 ms elements
 *    lost 20 ms a 1000-element pass at 0.5 ms).
 * The rates are smoothed over a few looks, so elements finishing close
 * together are not taken for a pace.
 */

/** Slots at least this large (bytes) allow a lookahead. */
const MIN_SLOT_BYTES = 64 * 1024;
/** Elements settling at least this often (ms per element) allow a lookahead. */
const FAST_ELEMENT_MS = 0.25;
/** Workers napping at most this often (naps per element settled) allow a lookahead. */
const NAPS_PER_ELEMENT = 0.1;
/** The most elements the reader sleeps past the one it waits for (each may come that much later). */
const MAX_LOOKAHEAD = 8;
/**
 * The longest the reader sleeps while it waits for a later element than the
 * one it wants: twice what MAX_LOOKAHEAD elements take at FAST_ELEMENT_MS.
 * If that element's worker died or hangs, the ones before it still come
 * this soon (the watch loop looks again, and the pace turns the lookahead off).
 */
export const LOOKAHEAD_WAIT_MS = 2 * MAX_LOOKAHEAD * FAST_ELEMENT_MS;
/** Smoothing: each look moves the rates this fraction of the way to what it saw. */
const WEIGHT = 0.25;

export class Pace {
  private msPerElement = Infinity;
  private napsPerElement = Infinity;
  private lastSettledAt: number;
  private napsAtLastSettled: number | undefined;
  private napsAtLastLook: number | undefined;
  private napped = true;

  constructor(now: number) {
    this.lastSettledAt = now;
  }

  /** One look of the watch loop at `now`: it settled `settled` elements, and workers have napped `naps` times in all. */
  look(settled: number, naps: number, now: number): void {
    this.napped = this.napsAtLastLook === undefined || naps !== this.napsAtLastLook;
    this.napsAtLastLook = naps;
    if (settled === 0) return;
    const ms = (now - this.lastSettledAt) / settled;
    const napsEach = this.napsAtLastSettled === undefined ? Infinity : (naps - this.napsAtLastSettled) / settled;
    this.msPerElement = smooth(this.msPerElement, ms);
    this.napsPerElement = smooth(this.napsPerElement, napsEach);
    this.lastSettledAt = now;
    this.napsAtLastSettled = naps;
  }

  /** How many elements past the awaited one the reader may sleep (0: wake for it), with a window and slots of that size. */
  lookahead(maxBuffered: number, slotBytes: number): number {
    if (slotBytes < MIN_SLOT_BYTES || this.napped) return 0;
    if (!(this.napsPerElement < NAPS_PER_ELEMENT) || !(this.msPerElement <= FAST_ELEMENT_MS)) return 0;
    return Math.min(MAX_LOOKAHEAD, maxBuffered >> 1);
  }
}

/** The first finite sample starts the average. */
function smooth(average: number, sample: number): number {
  return Number.isFinite(average) ? average + (sample - average) * WEIGHT : sample;
}
