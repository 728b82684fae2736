/**
 * The seam between the read-ahead window (reader.ts) and what evaluates
 * elements: workers over the shared ring, workers over transferred buffers,
 * or async functions on this thread. SeqTools draws the same line
 * (`AsyncWorker.submit_job` / `wait_completion`).
 *
 * The window asks a backend to start elements while it has capacity, cancels
 * the ones it no longer wants, and takes values out of finished ones. The
 * backend tells the window when an element settled, when one was lost (its
 * worker died, so it must be recomputed), and when capacity came back.
 */
import type { SerializedError } from '../ring/codec.js';

/** One element in evaluation: which index, and the backend's own token for it. */
export interface Job {
  readonly index: number;
  /** Backend-specific (a slot and ticket, a request number). */
  readonly token: number;
}

export type Outcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: SerializedError | Error };

export interface BackendEvents {
  /** `job` finished; for ok outcomes `take(job)` now gives the value. */
  settled(job: Job, outcome: Outcome): void;
  /**
   * `job` will never finish (its worker died or hung): the window may start it
   * again. `blamed` says whether the job was being computed when the worker
   * died (and so may be what killed it), rather than queued behind it.
   */
  lost(job: Job, reason: string, blamed: boolean): void;
  /** Capacity came back (a slot freed late): the window may start more. */
  capacity(): void;
  /** The backend cannot go on at all (every worker failed to start, say). */
  fatal(error: Error): void;
}

export interface Backend {
  readonly transport: 'shared' | 'transfer' | 'async';
  /** How many more elements can start now. */
  room(): number;
  /** Tells workers about the elements started since the last flush (one wake-up for a batch). */
  flush(): void;
  /** How many elements the backend can hold at once (ring slots, or elements in flight). */
  readonly capacityTotal: number;
  /** Starts element `index`; `waited`: a read waits for it, so it goes before elements started earlier. */
  start(index: number, waited: boolean): Job;
  /**
   * Whether the reader now reads at random (its last read restarted the
   * window) or steps forward. A backend may keep an evaluator ready for the
   * next random read, which streaming does not need.
   */
  randomReads(random: boolean): void;
  /**
   * Looks now whether `job` finished, and if so settles it at once (before
   * returning). The reader calls it for every element it waits for once that
   * element started: the backend's own notice (a watch loop woken by the ring)
   * comes a task later, and a reader draining read-ahead from microtasks would
   * wait for it. A backend may settle unpolled jobs late (when next polled).
   */
  poll(job: Job): void;
  /** The window no longer wants a started, unsettled job. */
  cancel(job: Job): void;
  /**
   * The value of a settled job: a view into the ring when `copy` is false
   * (valid until `discard`), a value the caller owns when it is true.
   */
  take(job: Job, copy: boolean): unknown;
  /** Frees what a settled job holds (its slot). `poison` overwrites it first (debug). */
  discard(job: Job): void;
  /** `viewsOut`: the reader's callers still hold leased views of the ring, whose memory must then not be reused. */
  close(reason: unknown, viewsOut: boolean): Promise<void>;
}
