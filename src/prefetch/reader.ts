/**
 * The read-ahead window: which elements are being evaluated, in which order
 * they are handed back, and what happens when the reader jumps.
 *
 * Reading `i` wants `i … i+maxBuffered` (SeqTools' rule). Elements are started
 * lowest index first, elements someone is waiting for before the rest, while
 * the backend has capacity. Values are handed back per index, so they come
 * back in index order whatever order workers finish in. A read outside the
 * window restarts it at the new index: unwanted work is cancelled (a request
 * no worker took is withdrawn at once; one being computed is marked stale and
 * its slot comes back when the worker finishes), never waited for.
 */
import type { Backend, BackendEvents, Job, Outcome } from './backend.js';

/** A zero-copy view of one element, valid until `release()`. */
export interface Lease<T> {
  readonly value: T;
  readonly index: number;
  release(): void;
  [Symbol.dispose](): void;
}

interface Waiter {
  readonly lease: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Entry {
  readonly index: number;
  job: Job | undefined;
  state: 'queued' | 'running' | 'done';
  outcome: Outcome | undefined;
  waiters: Waiter[];
  /** Leases handed out and not yet released. */
  leases: number;
  /** A read took this element: once no lease holds it, its slot is freed. */
  consumed: boolean;
  /** Times its worker died while computing it. */
  deaths: number;
}

/** An element that kills its worker this many times fails instead of being retried. */
export const MAX_DEATHS = 3;

export interface ReaderOptions {
  readonly length: number;
  readonly maxBuffered: number;
  /** Turns a failed outcome into the error the caller sees (EvaluationError or passthrough). */
  readonly errorFor: (index: number, outcome: Outcome & { ok: false }) => unknown;
}

export class Reader implements BackendEvents {
  private backend!: Backend;
  private readonly entries = new Map<number, Entry>();
  private cursor = -1;
  /** Whether the last move of the window was a restart (the backend hears when it changes). */
  private random = false;
  private closedBy: { reason: unknown } | undefined;
  private leased = 0;
  private starvationCheck: ReturnType<typeof setTimeout> | undefined;
  // Kept as entries change state, so that a read costs the same whatever the window's
  // size (counting them anew each pump made maxBuffered 1024 five times slower than 16).
  /** Entries in state 'queued'. */
  private queued = 0;
  /** Entries started and not yet consumed by a read (the read-ahead in flight or ready). */
  private ahead = 0;
  /** Queued entries someone waits for: they start first. */
  private readonly waitedQueued = new Set<Entry>();
  /** No queued entry nobody waits for has a lower index (where nextToStart looks from). */
  private scanFrom = 0;

  constructor(private readonly options: ReaderOptions) {}

  attach(backend: Backend): void {
    this.backend = backend;
  }

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  /** Element `index` (already normalised): a value the caller owns, or a lease. */
  read(index: number, lease: boolean): Promise<unknown> {
    if (this.closedBy) return Promise.reject(this.closedBy.reason);
    this.moveWindow(index);
    const entry = this.ensure(index);
    const p = new Promise<unknown>((resolve, reject) => entry.waiters.push({ lease, resolve, reject }));
    if (entry.state === 'queued') this.waitedQueued.add(entry);
    if (entry.state === 'done') this.deliver(entry);
    else {
      this.pump();
      // It may be in its slot already, unnoticed: look before waiting a task for the notice.
      // Last, as it may settle and deliver at once (which pumps again).
      if (entry.state === 'running' && this.entries.get(index) === entry) this.backend.poll(entry.job!);
    }
    return p;
  }

  /** Moves the window to start at `index`, dropping what it no longer wants. */
  private moveWindow(index: number): void {
    const { maxBuffered, length } = this.options;
    const old = this.cursor;
    if (index === old) return;
    this.cursor = index;
    const last = Math.min(length - 1, index + maxBuffered);
    const step = old >= 0 && index > old && index <= old + maxBuffered;
    if (step === this.random) this.backend.randomReads((this.random = !step));
    if (step) {
      // A step forward inside the window: only the elements stepped over can fall out of it.
      for (let k = old; k < index; k++) {
        const e = this.entries.get(k);
        if (e && e.waiters.length === 0 && e.leases === 0) this.drop(e);
      }
      for (let k = Math.max(index + 1, old + maxBuffered + 1); k <= last; k++) this.ensure(k);
      return;
    }
    // A jump: restart the window, cancelling whatever nobody waits for or holds.
    this.scanFrom = index;
    for (const entry of [...this.entries.values()]) {
      const wanted = entry.index >= index && entry.index <= last;
      if (!wanted && entry.waiters.length === 0 && entry.leases === 0) this.drop(entry);
    }
    for (let k = index + 1; k <= last; k++) this.ensure(k);
  }

  private ensure(index: number): Entry {
    let e = this.entries.get(index);
    if (!e) {
      e = { index, job: undefined, state: 'queued', outcome: undefined, waiters: [], leases: 0, consumed: false, deaths: 0 };
      this.entries.set(index, e);
      this.enqueue(e);
    }
    return e;
  }

  /** Puts `entry` in state 'queued' and counts it there: a new entry, or one whose worker was lost. */
  private enqueue(entry: Entry): void {
    entry.state = 'queued';
    this.queued++;
    if (entry.waiters.length > 0) this.waitedQueued.add(entry);
    if (entry.index < this.scanFrom) this.scanFrom = entry.index;
  }

  private drop(entry: Entry): void {
    this.entries.delete(entry.index);
    if (entry.state === 'queued') {
      this.queued--;
      this.waitedQueued.delete(entry);
    } else if (!entry.consumed) {
      this.ahead--;
    }
    const job = entry.job;
    entry.job = undefined;
    if (!job) return;
    if (entry.state === 'running') this.backend.cancel(job);
    else if (entry.state === 'done') this.backend.discard(job);
  }

  /**
   * Starts queued elements while the backend has room: waited-for ones first,
   * then the window in order. Read-ahead starts in batches (half the
   * window) so that workers are woken once per batch, not once per element;
   * an element someone waits for starts, and is announced, at once.
   */
  private pump(): void {
    if (this.closedBy) return;
    const waited = this.waitedQueued.size > 0;
    let room = this.backend.room();
    if (room === 0 && waited && this.makeRoomForWaiters()) room = this.backend.room();
    const batch = Math.max(1, this.options.maxBuffered >> 1);
    let polls: Job[] | undefined;
    // Start read-ahead a batch at a time, unless so little is ahead that the reader might catch up.
    const go = Math.min(room, this.queued) >= batch || this.ahead < batch;
    // Nothing may start (most pumps between batches): skip the search for what to start.
    while (room > 0 && this.queued > 0 && (go || waited)) {
      const next = this.nextToStart();
      if (!next || (next.waiters.length === 0 && !go)) break;
      next.state = 'running';
      this.queued--;
      this.ahead++;
      this.waitedQueued.delete(next);
      next.job = this.backend.start(next.index, next.waiters.length > 0);
      room--;
      // Someone waits for it: wake a worker now, so it starts while this loop requests the read-ahead.
      if (next.waiters.length > 0) {
        this.backend.flush();
        (polls ??= []).push(next.job);
      }
    }
    this.backend.flush();
    this.failIfStarved();
    // Have the backend watch for what is waited for. Last, as a poll may settle and deliver
    // at once (which pumps again).
    if (polls) for (const job of polls) this.backend.poll(job);
  }

  /**
   * Someone waits for an element that has no slot while read-ahead holds the
   * slots: give up the farthest read-ahead element so the waited one can start.
   */
  private makeRoomForWaiters(): boolean {
    let victim: Entry | undefined;
    for (const e of this.entries.values()) {
      if (e.state !== 'queued' && e.waiters.length === 0 && e.leases === 0 && (!victim || e.index > victim.index)) victim = e;
    }
    if (this.waitedQueued.size === 0 || !victim) return false;
    this.drop(victim);
    return true;
  }

  /** The queued entry to start next: the lowest someone waits for, else the window's lowest. */
  private nextToStart(): Entry | undefined {
    let waited: Entry | undefined;
    for (const e of this.waitedQueued) if (!waited || e.index < waited.index) waited = e;
    if (waited) return waited;
    // Queued entries nobody waits for lie in the window (moveWindow drops the others), at or
    // above scanFrom: look upward from there, and remember where the first one was.
    const last = Math.min(this.options.length - 1, this.cursor + this.options.maxBuffered);
    for (let k = Math.max(this.scanFrom, this.cursor); k <= last; k++) {
      const e = this.entries.get(k);
      if (e?.state === 'queued') {
        this.scanFrom = k;
        return e;
      }
    }
    return undefined;
  }

  /** Leases hold every slot and someone waits for another element: it could never come, so say so. */
  private failIfStarved(): void {
    if (this.starvationCheck || !this.starved()) return;
    // A timer turn later, so that callers handed their leases just now may release them first
    // (a lease made as an element arrives can take the last slot while another read waits).
    this.starvationCheck = setTimeout(() => {
      this.starvationCheck = undefined;
      if (this.closedBy || !this.starved()) return;
      this.rejectStarved();
    }, 0);
  }

  private starved(): boolean {
    return this.leased >= this.backend.capacityTotal && this.backend.room() === 0;
  }

  private rejectStarved(): void {
    for (const e of this.entries.values()) {
      if (e.state !== 'queued' || e.waiters.length === 0) continue;
      const error = new RangeError(
        `prefetch: all ${this.backend.capacityTotal} ring slots are held by leases, so element ${e.index} cannot be read; release leases or raise maxBuffered`,
      );
      for (const w of e.waiters.splice(0)) w.reject(error);
      this.drop(e);
    }
  }

  private deliver(entry: Entry): void {
    const outcome = entry.outcome!;
    const waiters = entry.waiters.splice(0);
    if (waiters.length === 0) return;
    if (!outcome.ok) {
      const error = this.options.errorFor(entry.index, outcome);
      for (const w of waiters) w.reject(error);
      this.drop(entry);
      this.pump();
      return;
    }
    if (!entry.consumed) {
      entry.consumed = true;
      this.ahead--;
    }
    // The waiters are out of the entry now: a value that cannot be read must still settle them.
    for (const w of waiters) {
      let value: unknown;
      try {
        value = w.lease ? this.makeLease(entry) : this.backend.take(entry.job!, true);
      } catch (error) {
        w.reject(error); // the element could not be read out of its slot: that read fails, not the others
        continue;
      }
      w.resolve(value);
    }
    if (entry.leases === 0) {
      this.drop(entry);
      this.pump();
    } else {
      this.failIfStarved(); // that lease may have taken the last slot another read waits for
    }
  }

  private makeLease(entry: Entry): Lease<unknown> {
    const value = this.backend.take(entry.job!, false); // first: if it throws, no lease was counted
    entry.leases++;
    if (entry.leases === 1) this.leased++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      entry.leases--;
      if (entry.leases > 0) return;
      this.leased--;
      if (this.entries.get(entry.index) === entry && entry.waiters.length === 0) this.drop(entry);
      else if (entry.job) this.backend.discard(entry.job), (entry.job = undefined);
      this.pump();
    };
    return { value, index: entry.index, release, [Symbol.dispose]: release };
  }

  // ---- backend events ---------------------------------------------------------

  settled(job: Job, outcome: Outcome): void {
    const entry = this.entries.get(job.index);
    if (!entry || entry.job !== job) {
      this.backend.discard(job); // finished after the window moved on
      this.pump();
      return;
    }
    entry.state = 'done';
    entry.outcome = outcome;
    this.deliver(entry);
  }

  lost(job: Job, reason: string, blamed: boolean): void {
    const entry = this.entries.get(job.index);
    if (!entry || entry.job !== job) return void this.pump();
    entry.job = undefined;
    if (blamed) entry.deaths++;
    if (entry.deaths >= MAX_DEATHS) {
      entry.state = 'done';
      entry.outcome = {
        ok: false,
        error: new Error(`element ${entry.index} killed its worker ${entry.deaths} times (last: ${reason}); giving up on it`),
      };
      this.deliver(entry);
    } else {
      this.ahead--; // it was running, so not consumed
      this.enqueue(entry);
    }
    this.pump();
  }

  capacity(): void {
    this.pump();
  }

  fatal(error: Error): void {
    void this.close(error);
  }

  /** Rejects everything pending and every later read with `reason`, and stops the backend. */
  async close(reason: unknown): Promise<void> {
    if (this.closedBy) return;
    this.closedBy = { reason };
    for (const e of this.entries.values()) for (const w of e.waiters.splice(0)) w.reject(reason);
    this.entries.clear();
    this.waitedQueued.clear();
    this.queued = this.ahead = 0;
    await this.backend.close(reason, this.leased > 0);
  }
}
