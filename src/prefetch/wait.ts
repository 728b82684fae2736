/**
 * Waiting on a word of shared memory from a thread that may not block (the
 * browser's main thread), over and over: `Atomics.waitAsync`, every wait
 * bounded, or polling where the engine lacks it.
 *
 * The bound is a timer of the waiter's own, not waitAsync's timeout. V8
 * posts a delayed task for each wait with a timeout and leaves it queued
 * when the wait ends early, so each such wait woke the thread a second time,
 * for nothing, when its timeout came: in a Chromium trace of the image
 * pipeline, 18.0k tasks on the page's thread for 70k images, against 10.8k
 * without. Here one timer at a time bounds whichever wait is out: when it
 * fires with a wait out, due within MIN_TIMER_MS, the thread notifies the
 * word itself, which ends the wait (V8 forgets it) as a change would. A
 * wait may so end up to MIN_TIMER_MS early, never later than its bound
 * (timers themselves may run late on a busy thread). So every wait is still
 * finite, which is what waitAsync's timeout was for: no wait outlives a lost
 * notify, and none stays pending to keep a page's objects alive.
 */

/** Browsers clamp timers set from timers to at least this (ms); a wait due sooner ends now. */
const MIN_TIMER_MS = 4;

type WaitAsync = typeof Atomics.waitAsync;

export class ChangeWaiter {
  private readonly waitAsync: WaitAsync | undefined = (Atomics as { waitAsync?: WaitAsync }).waitAsync;
  /** performance.now() by which the wait out must end; undefined while none is out. */
  private due: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** performance.now() at which the timer fires. */
  private firesAt = Infinity;

  constructor(
    private readonly words: Int32Array,
    private readonly at: number,
  ) {}

  /** Waits until `words[at]` is no longer `seen`, or about `ms` pass. Never blocks the thread. One wait at a time. */
  wait(seen: number, ms: number): Promise<void> {
    if (typeof this.waitAsync !== 'function') return pollForChange(this.words, this.at, seen, ms);
    const r = this.waitAsync(this.words, this.at, seen);
    if (!r.async) return Promise.resolve();
    const now = performance.now();
    this.due = now + ms;
    // One timer: set anew only when this wait is due before it fires (firesAt is Infinity while none is set).
    if (this.due < this.firesAt) this.arm(ms, now);
    return r.value.then(() => {
      this.due = undefined;
    });
  }

  private arm(ms: number, now: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.firesAt = now + ms;
    this.timer = setTimeout(() => this.fire(), ms);
    (this.timer as { unref?: () => void }).unref?.(); // in Node the backend keeps the process alive while elements are out
  }

  private fire(): void {
    this.timer = undefined;
    this.firesAt = Infinity;
    if (this.due === undefined) return; // no wait out: idle until the next one sets a timer
    const now = performance.now();
    const left = this.due - now;
    if (left > MIN_TIMER_MS) this.arm(left, now);
    else Atomics.notify(this.words, this.at); // resolves the wait out ('ok'), like a change
  }
}

/** The path for engines without `Atomics.waitAsync`: look again every millisecond. */
function pollForChange(words: Int32Array, at: number, seen: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve) => {
    const look = () => {
      if (Atomics.load(words, at) !== seen || Date.now() >= until) resolve();
      else setTimeout(look, 1);
    };
    look();
  });
}
