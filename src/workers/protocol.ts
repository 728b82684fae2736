/**
 * What the reader and its workers say to each other, outside the ring.
 *
 * Comlink carries the control plane: `start` (once per worker). Everything
 * per element goes through the ring (shared transport); the value port only
 * carries what the ring cannot: values that need a structured clone, and, in
 * the `transfer` transport (no shared memory), the requests and results.
 */
import type { RingLocation } from '../ring/ring.js';
import type { Plan } from '../plan/plan.js';
import type { ErrorMode } from '../seq/errors.js';
import type { SerializedError } from '../ring/codec.js';

export type Transport = 'shared' | 'transfer';

/** A compiled kernel module and its JSON specs, as workers receive them. */
export interface KernelModuleEntry {
  readonly module: WebAssembly.Module;
  readonly specs: unknown;
}

export interface WorkerInit {
  /** Unique per prefetch: never reused, so a dead worker's claims and messages stay its own. */
  readonly workerId: number;
  /**
   * Which heartbeat word of the ring this worker bumps: 0 … seats - 1, unique
   * among the live workers and reused after a death (ids grow without bound).
   */
  readonly seat: number;
  readonly plan: Plan;
  readonly transport: Transport;
  readonly kernelModules: Readonly<Record<string, KernelModuleEntry>> | undefined;
  /** Name of an exposed function the worker runs once, with its index, before any element. */
  readonly onWorkerStart: string | undefined;
  readonly errorMode: ErrorMode;
  /** A Web Lock the worker holds for life, so the reader learns of its death (browsers). */
  readonly lockName: string | undefined;
  /** Values and (transfer transport) requests travel here. */
  readonly valuePort: MessagePort;
}

/** What a worker exposes over Comlink. */
export interface WorkerApi {
  start(init: WorkerInit): Promise<void>;
  /**
   * Shared transport: the ring, once the worker has started and the ring is
   * sized (from the first element, unless slotBytes or a store gave it);
   * starts the slot loop. Never part of `start`, so that an element that
   * kills the worker is a death like any other, not a failure to start.
   */
  attach(ring: RingLocation): Promise<void>;
}

/** Reader → worker on the value port (transfer transport, and the first element of a ring still to be sized). */
export type ToWorker =
  | { readonly type: 'request'; readonly index: number; readonly ticket: number }
  | { readonly type: 'close' };

/** Worker → reader on the value port. */
export type FromWorker =
  /** Shared transport: the value of a READY slot of kind CLONE (or the error of a FAILED one). */
  | { readonly type: 'value'; readonly slot: number; readonly ticket: number; readonly value: unknown }
  | { readonly type: 'error'; readonly slot: number; readonly ticket: number; readonly error: SerializedError }
  /** Transfer transport: the outcome of one request. */
  | { readonly type: 'result'; readonly ticket: number; readonly value: unknown }
  | { readonly type: 'failure'; readonly ticket: number; readonly error: SerializedError }
  /** The worker's loop ended with an error of its own (not an element's). */
  | { readonly type: 'crash'; readonly error: SerializedError }
  /**
   * The worker holds its life lock (WorkerInit.lockName), first thing in
   * `start`: the pool may ask for it now, and be granted it when the worker
   * dies, even while it starts. Handled by the pool, never by a backend.
   */
  | { readonly type: 'holds-lock' };
