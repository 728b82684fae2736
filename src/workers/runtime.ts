/**
 * What runs inside each worker: rebuild the pipeline from the plan once, then
 * evaluate the elements the reader requests.
 *
 * Shared transport: a loop claims REQUESTED slots in the order the reader
 * requested them (its request log; the element it waits for first; the
 * lowest index when the log has none),
 * evaluates, writes the value into the slot and publishes it (slots.ts rows
 * 2, 4, 5, 7). When there is nothing to claim it blocks in `Atomics.wait` on
 * the request counter with a finite timeout, and every timeout yields to the
 * event loop once so the worker stays responsive.
 *
 * Transfer transport: requests arrive on the value port and results go back
 * on it, with their ArrayBuffers transferred: one message per element, which
 * is the price of having no shared memory.
 */
import { fromPlanNodes, type Plan } from '../plan/plan.js';
import { seterr } from '../seq/errors.js';
import type { Seq } from '../seq/seq.js';
import { factories } from '../ops/factories.js';
import { KernelRuntime } from '../kernels/runtime.js';
import { adoptKernelModules } from '../kernels/registry.js';
import type { KernelModule } from '../kernels/types.js';
import { Ring, type RingLocation } from '../ring/ring.js';
import { FAILED, READY, type Claim } from '../ring/slots.js';
import { KIND_CLONE, KIND_ERROR, LateLeaf, computeLate, encodeError, encodedBytes, isTypedArray, plan as planEncoding, serializeError } from '../ring/codec.js';
import { S_KIND } from '../ring/layout.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import { callWriter, writerOf } from './writer.js';
import { PUBLISHED, slotTail, type SlotTail } from './tail.js';
import { lateKernel } from './late.js';
import { kernelsWrittenLate } from '../plan/passing.js';
import { settling } from '../prefetch/settle.js';

/** How long a worker blocks waiting for requests before it looks at its event loop. */
const IDLE_WAIT_MS = 20;
/** How long an idle worker spins for the next request while the reader reads at random (slots.ts). */
const LINGER_MS = 1;

export type ExposedFunctions = Readonly<Record<string, (...args: never[]) => unknown>>;

interface Pipeline {
  readonly seq: Seq<unknown>;
  /** Set when the last step can write straight into the slot (tail.ts); only with the ring's memory. */
  readonly tail: SlotTail | undefined;
}

/**
 * The exposed functions as the pipeline calls them: each writer under its
 * exposed name, so that its errors name it (`writesInto` cannot know it).
 */
function namedWriters(functions: ExposedFunctions): ExposedFunctions {
  let named: Record<string, (...args: never[]) => unknown> | undefined;
  for (const name of Object.keys(functions)) {
    const writer = writerOf(functions[name]);
    if (writer) (named ??= { ...functions })[name] = (arg: unknown) => callWriter(writer, arg, name);
  }
  return named ?? functions;
}

function rebuild(plan: Plan, functions: ExposedFunctions, init: WorkerInit, ring: Ring | undefined): Pipeline {
  const memory = ring?.memory;
  let kernels: KernelRuntime | undefined;
  if (plan.usesKernels) {
    if (!init.kernelModules) throw new Error('worker: the plan uses kernels but no kernel modules were sent');
    // Kernels import the ring's memory when there is one, so they can write into slots.
    kernels = KernelRuntime.create(init.kernelModules as never, memory ?? new WebAssembly.Memory({ initial: 1, maximum: 16384, shared: true }));
    if (ring) {
      // Scratch a stopped worker of the store's last prefetch had, if the reader offers it; and
      // ours recorded, for the store's next prefetch (ring.ts, `scratch`).
      const offered = ring.takeScratch(init.seat);
      if (offered) kernels.adoptScratch(offered);
      kernels.onScratch = (region) => ring.recordScratch(init.seat, region);
    }
  }
  const k = kernels;
  // With the ring's memory, kernel outputs that reach the element untouched are written late:
  // by the kernel, straight into the slot (late.ts).
  const late = memory && kernels ? kernelsWrittenLate(plan) : undefined;
  const nodes = fromPlanNodes(plan, {
    factories: factories as never,
    functions: namedWriters(functions),
    kernel: (call, node) => {
      if (!k) throw new Error('worker: kernel runtime missing');
      // An input still on its way (an async step before the kernel) gives a promise of the output.
      const f = late?.has(node)
        ? lateKernel(call as never, k)
        : (input: unknown): unknown =>
            input instanceof Promise ? input.then((ready) => k.run(call as never, ready as never)) : k.run(call as never, input as never);
      Object.defineProperty(f, 'name', { value: call.kernel });
      return f;
    },
  });
  return { seq: nodes[plan.root]!, tail: memory ? slotTail(plan, nodes, functions, kernels) : undefined };
}

function post(port: MessagePort, message: FromWorker, transfer: Transferable[] = []): void {
  port.postMessage(message, transfer);
}

/**
 * Posts an element's value: one no message can carry (a function in it, say)
 * fails its element with what may travel, instead of structured clone's bare
 * "could not be cloned".
 */
function postValue(port: MessagePort, message: FromWorker, transfer: Transferable[] = []): void {
  try {
    post(port, message, transfer);
  } catch (error) {
    if ((error as { name?: unknown } | null)?.name !== 'DataCloneError') throw error;
    throw new TypeError(
      `prefetch: this element cannot be sent from the worker (${(error as Error).message}). An element may hold typed arrays, ` +
        'ArrayBuffers, numbers, strings, booleans, plain objects and arrays of these, and what structured clone carries (Map, Set, ' +
        'Date, Blob, ImageBitmap…); not functions or symbols. Promises are awaited when they are the element or in arrays and ' +
        'plain objects up to four levels down.',
      { cause: error },
    );
  }
}

/** One worker's state: its rebuilt pipeline and, once attached, the ring. */
export class WorkerRuntime {
  private pipeline: Pipeline;
  private ring: Ring | undefined;

  private constructor(
    private readonly init: WorkerInit,
    private readonly functions: ExposedFunctions,
  ) {
    seterr(init.errorMode);
    this.pipeline = rebuild(init.plan, functions, init, undefined);
  }

  /** Called once, through Comlink, by the reader. */
  static async start(init: WorkerInit, functions: ExposedFunctions): Promise<WorkerRuntime> {
    // The life lock first, so that the pool sees this worker die even in what follows
    // (a hook that closes the worker, a crash while rebuilding the plan).
    if (init.lockName !== undefined) {
      await holdLifeLock(init.lockName);
      post(init.valuePort, { type: 'holds-lock' });
    }
    // The reader's compiled kernel modules: the worker's own functions (and onWorkerStart) may
    // call kernels as plain functions without a loadKernels() of their own (no fetch, no compile).
    if (init.kernelModules) adoptKernelModules(init.kernelModules as Record<string, KernelModule>);
    const runtime = new WorkerRuntime(init, functions);
    if (init.onWorkerStart !== undefined) {
      const hook = functions[init.onWorkerStart] as ((worker: number) => unknown) | undefined;
      if (typeof hook !== 'function') throw new TypeError(`onWorkerStart: the worker module exposes no function named ${init.onWorkerStart}`);
      await hook(init.workerId);
    }
    serveRequests(init.valuePort, () => runtime.pipeline);
    return runtime;
  }

  /** Shared transport: takes the ring and starts claiming slots. */
  attach(location: RingLocation): void {
    if (this.ring) return; // attached already: a prefetch has one ring for life
    const ring = (this.ring = Ring.attach(location));
    // Kernels now run on the ring's memory, so that they can write into slots.
    this.pipeline = rebuild(this.init.plan, this.functions, this.init, ring);
    // The loop starts a task later, so that this call has answered first: the loop may block
    // this thread in an element (a hang that `timeout` ends), and the reader waits for the answer.
    const pipeline = this.pipeline;
    void yieldToEventLoop()
      .then(() => runSharedLoop(ring, this.init, pipeline))
      .catch((e: unknown) => post(this.init.valuePort, { type: 'crash', error: serializeError(e) }));
  }
}

/** Holds a Web Lock until this worker dies, so the reader can tell (browsers have no worker exit event). */
async function holdLifeLock(name: string): Promise<void> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return;
  // Resolve only once the lock is ours: the reader asks for it as soon as `start` returns,
  // and must not be granted it while this worker lives.
  await new Promise<void>((held) => {
    void locks.request(name, () => {
      held();
      return new Promise<never>(() => {});
    });
  });
}

async function evaluate(pipeline: Pipeline, index: number): Promise<unknown> {
  const v = settling(pipeline.seq.get(index));
  return v instanceof Promise ? await v : v;
}

async function runSharedLoop(ring: Ring, init: WorkerInit, pipeline: Pipeline): Promise<void> {
  const id = init.workerId;
  const port = init.valuePort;
  let lingered = false;
  for (;;) {
    if (ring.closed) return;
    ring.beat(init.seat);
    const seen = ring.requestsSeen();
    const claim = ring.slots.claimNext(id);
    if (!claim) {
      if (ring.slots.linger(seen, LINGER_MS, id)) {
        lingered = true; // the reader woke nobody for this batch: share it once the element read is out
        continue;
      }
      const r = ring.slots.sleepUntilRequested(seen, IDLE_WAIT_MS);
      if (r === 'timed-out') await yieldToEventLoop();
      continue;
    }
    const pending = fillSlot(ring, claim, pipeline, port);
    if (pending) await pending;
    if (lingered) {
      lingered = false;
      ring.slots.wakeHelpers();
    }
  }
}

/**
 * Evaluates the claimed element and publishes it (slots.ts rows 4, 5 or 7).
 * Returns a promise only when the element is async: a sync element costs no
 * promise and no turn of the microtask queue.
 */
function fillSlot(ring: Ring, claim: Claim, pipeline: Pipeline, port: MessagePort): Promise<void> | undefined {
  try {
    const value = pipeline.tail ? pipeline.tail.write(ring, claim) : settling(pipeline.seq.get(claim.index));
    if (value instanceof Promise) {
      return value.then((ready: unknown) => publish(ring, claim, ready, port), (error: unknown) => publishError(ring, claim, error, port));
    }
    publish(ring, claim, value, port);
  } catch (error) {
    publishError(ring, claim, error, port);
  }
  return undefined;
}

/** Puts a value into the claimed slot (or sends it by message) and publishes it. */
function publish(ring: Ring, claim: Claim, value: unknown, port: MessagePort): void {
  if (value === PUBLISHED) return;
  try {
    if (!ring.slots.stillClaimed(claim)) {
      ring.slots.finish(claim, READY); // the window moved on: frees the slot (row 7)
      return;
    }
    const e = planEncoding(value);
    if (e.kind !== KIND_CLONE && encodedBytes(e) <= ring.slotBytes) {
      ring.writeEncoded(claim.slot, e);
      ring.slots.finish(claim, READY);
    } else {
      // Not ring-shaped, or bigger than a slot: the value travels by structured clone.
      const computed = computeLate(value);
      ring.setField(claim.slot, S_KIND, KIND_CLONE);
      postValue(port, { type: 'value', slot: claim.slot, ticket: claim.ticket, value: computed });
      ring.slots.finish(claim, READY);
    }
  } catch (error) {
    publishError(ring, claim, error, port);
  }
}

/** Puts the element's error into the claimed slot (or sends it by message) and publishes it as FAILED. */
function publishError(ring: Ring, claim: Claim, error: unknown, port: MessagePort): void {
  const serialized = serializeError(error);
  const text = encodeError(serialized);
  if (text.byteLength <= ring.slotBytes) {
    new Uint8Array(ring.buffer).set(text, ring.dataOffset(claim.slot));
    ring.setLayout(claim.slot, KIND_ERROR, 0, 0, text.byteLength);
  } else {
    ring.setField(claim.slot, S_KIND, KIND_CLONE);
    post(port, { type: 'error', slot: claim.slot, ticket: claim.ticket, error: serialized });
  }
  ring.slots.finish(claim, FAILED);
}

/** Requests on the value port: the transfer transport, and the element that sizes the ring. */
function serveRequests(port: MessagePort, pipeline: () => Pipeline): void {
  port.onmessage = async (event: MessageEvent<ToWorker>) => {
    const m = event.data;
    if (m.type === 'close') {
      port.close();
      return;
    }
    try {
      const transfer: Transferable[] = [];
      const value = detachable(await evaluate(pipeline(), m.index), transfer);
      postValue(port, { type: 'result', ticket: m.ticket, value }, transfer);
    } catch (error) {
      post(port, { type: 'failure', ticket: m.ticket, error: serializeError(error) });
    }
  };
}

/**
 * The value with each typed array copied into a buffer of its own, and those
 * buffers to transfer. The copy is needed: the worker's pipeline may still
 * hold the original (a cache, a view into a source), and transferring that
 * would detach it under the worker's feet. A late kernel output (late.ts) is
 * computed into a fresh array of its own, which needs no second copy.
 */
function detachable(value: unknown, out: Transferable[], depth = 0): unknown {
  if (value instanceof LateLeaf) {
    const own = value.compute();
    out.push(own.buffer as ArrayBuffer);
    return own;
  }
  if (isTypedArray(value)) {
    const own = value.slice();
    out.push(own.buffer as ArrayBuffer);
    return own;
  }
  if (depth < 8 && Array.isArray(value)) return value.map((v) => detachable(v, out, depth + 1));
  if (depth < 8 && value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) o[k] = detachable(v, out, depth + 1);
    return o;
  }
  return value;
}

const channel = typeof MessageChannel !== 'undefined' ? new MessageChannel() : undefined;
/** One turn of the event loop, without setTimeout's clamping. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (!channel) return void setTimeout(resolve, 0);
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(0);
  });
}

