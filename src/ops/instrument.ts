/**
 * Instruments (SeqTools `instrument.py`): views that watch reads without
 * changing values, for debugging and profiling pipelines.
 */
import { Seq, asSeq, type Description, type SeqLike } from '../seq/seq.js';
import { evaluating } from '../seq/errors.js';
import { checkCount, checkFunction } from './validate.js';
import { PassThrough } from '../seq/view.js';

/** Options of `debug`. */
export interface DebugOptions {
  /** Call `fn` at most this many times in total. */
  maxCalls?: number;
  /** Call `fn` at most this many times per second. */
  maxRate?: number;
}

class Debugging<T> extends PassThrough<T> {
  private calls = 0;
  private lastCall = -Infinity;

  constructor(
    source: Seq<T>,
    readonly fn: (index: number, value: T) => void,
    private readonly options: DebugOptions,
  ) {
    super(source);
  }
  private silenced(now: number): boolean {
    const { maxCalls, maxRate } = this.options;
    if (maxCalls !== undefined && this.calls >= maxCalls) return true;
    return maxRate !== undefined && now - this.lastCall < 1000 / maxRate;
  }
  protected at(i: number): T {
    const value = Seq.read(this.source, i);
    const now = performance.now();
    if (!this.silenced(now)) {
      this.calls++;
      this.lastCall = now;
      evaluating(() => this.fn(i, value), i, 'debug', this.createdAt);
    }
    return value;
  }
  protected override setAt(i: number, value: T): void {
    Seq.write(this.source, i, value);
  }
  describe(): Description {
    return { op: 'debug', args: [this.source, this.fn, { ...this.options }] };
  }
}

/**
 * Calls `fn(i, value)` whenever an element is read, at most `maxCalls` times
 * and at most `maxRate` times per second. Values pass through unchanged.
 *
 * @example
 * const watched = debug([1, 2, 3, 4], (i, v) => console.log(i, v), { maxCalls: 2 });
 * watched.toArray(); // logs "0 1" and "1 2", returns [1, 2, 3, 4]
 */
export function debug<T>(
  sequence: SeqLike<T>,
  fn: (index: number, value: T) => void,
  options: DebugOptions = {},
): Seq<T> {
  const source = asSeq(sequence, 'debug');
  checkFunction(fn, 'debug', 'fn');
  const { maxCalls, maxRate } = options;
  const set: DebugOptions = {};
  if (maxCalls !== undefined) {
    checkCount(maxCalls, 'debug', 'maxCalls');
    set.maxCalls = maxCalls;
  }
  if (maxRate !== undefined) {
    if (typeof maxRate !== 'number' || !(maxRate > 0)) {
      throw new RangeError(`debug: maxRate must be a number > 0, got ${String(maxRate)}`);
    }
    set.maxRate = maxRate;
  }
  return new Debugging(source, fn, set);
}

/** A view that measures how long reads take (see `monitorThroughput`). */
export interface ThroughputMonitor<T> extends Seq<T> {
  /** Items read per second, on average since creation or `reset()`. */
  throughput(): number;
  /** Seconds per item read, on average since creation or `reset()`. */
  readDelay(): number;
  /** Forgets the measures so far. */
  reset(): void;
}

class Monitor<T> extends PassThrough<T> implements ThroughputMonitor<T> {
  private reads = 0;
  private milliseconds = 0;

  protected at(i: number): T {
    const start = performance.now();
    const value = Seq.read(this.source, i);
    this.milliseconds += performance.now() - start;
    this.reads++;
    return value;
  }
  protected override setAt(i: number, value: T): void {
    Seq.write(this.source, i, value);
  }
  private checkRead(what: string): void {
    if (this.reads === 0) throw new Error(`monitorThroughput.${what}: no element has been read yet`);
  }
  throughput(): number {
    this.checkRead('throughput');
    return this.reads / (this.milliseconds / 1000);
  }
  readDelay(): number {
    this.checkRead('readDelay');
    return this.milliseconds / 1000 / this.reads;
  }
  reset(): void {
    this.reads = 0;
    this.milliseconds = 0;
  }
  describe(): Description {
    return { op: 'monitorThroughput', args: [this.source] };
  }
}

/**
 * A view that times reads: `throughput()` (items/s), `readDelay()` (s/item),
 * `reset()`. Both measures throw an `Error` until an element is read.
 *
 * @example
 * const m = monitorThroughput(smap(expensive, items));
 * m.toArray();
 * console.log(`${m.throughput().toFixed(1)} items/s`);
 */
export function monitorThroughput<T>(sequence: SeqLike<T>): ThroughputMonitor<T> {
  return new Monitor(asSeq(sequence, 'monitorThroughput'));
}
