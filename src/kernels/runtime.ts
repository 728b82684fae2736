/**
 * KernelRuntime: kernel modules instantiated over one WebAssembly.Memory (in a
 * worker, the ring's shared memory), running kernel calls with their output
 * written at a given byte offset (a ring slot) or into fresh arrays.
 *
 * Scratch: inputs that are not already in the memory, the params blocks and
 * the intermediates of chained calls go to a region only this runtime uses.
 * It comes from `memory.grow(delta)`, whose return value (the old size in
 * pages) makes [old, old + delta) pages ours even when several workers grow
 * the same shared memory at once. The region is reused while big enough.
 */
import { checkOptions, encodeParams, paramsLength } from './options.js';
import { describeInput, outputShape, type InputShape } from './shape.js';
import { sharesMemory } from '../ring/store.js';
import { describeValue } from '../seq/indexing.js';
import type { ImageLike, KernelCall, KernelModule, KernelPlan, KernelSpec, OptionValue, OutputShape, Pixels } from './types.js';

const PAGE = 65536;
/** The word V8 copies shared memory by (bytes). */
const WORD = 8;
const ALIGN = 16;

/** The signature every kernel export has (see assembly/abi.ts). */
type KernelExport = (
  src: number, dst: number, width: number, height: number, channels: number,
  outWidth: number, outHeight: number, outChannels: number, params: number,
) => void;

interface Loaded {
  exports: WebAssembly.Exports;
  specs: Record<string, KernelSpec>;
}

/** One step of a plan, resolved against the loaded specs. */
interface Step {
  call: KernelCall;
  spec: KernelSpec;
  options: Record<string, OptionValue>;
}

/** A plan worked out for one input shape (see `prepare`). */
interface Prepared {
  readonly dtype: InputShape['dtype'];
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly layout: InputShape['layout'];
  readonly steps: readonly Step[];
  readonly shapes: readonly OutputShape[];
  /** Byte offset of each step's params block in scratch. */
  readonly paramsAt: readonly number[];
  /** Every step's params, encoded, as they go at the start of scratch. */
  readonly params: Float32Array;
  readonly kernels: readonly KernelExport[];
}

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export class KernelRuntime {
  readonly memory: WebAssembly.Memory;
  private readonly loaded = new Map<string, Loaded>();
  private checked = new WeakMap<KernelCall, Step>();
  /** Buffers seen from `memory.buffer` (a grow replaces the object, not the memory). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Buffers found to be of another memory (their inputs are copied). */
  private readonly foreign = new WeakSet<ArrayBufferLike>();
  private scratchStart = 0;
  private scratchBytes = 0;
  /** Each plan run, worked out for the last input shape it was run on (`prepare`). */
  private prepared = new WeakMap<KernelPlan, Prepared>();

  private constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
    this.buffers.add(memory.buffer);
  }

  /**
   * Instantiates every module against `memory` (imported as `env.memory`).
   * @example
   * const memory = new WebAssembly.Memory({ initial: 1, maximum: 1024, shared: true });
   * const runtime = KernelRuntime.create(await kernelModules(), memory);
   */
  static create(modules: Record<string, KernelModule>, memory: WebAssembly.Memory): KernelRuntime {
    const runtime = new KernelRuntime(memory);
    for (const [name, m] of Object.entries(modules)) runtime.add(name, m);
    return runtime;
  }

  /** Instantiates one more module (or replaces the one of that name). */
  add(name: string, { module, specs }: KernelModule): void {
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory: this.memory,
        abort: () => {
          throw new Error(`kernel module '${name}' aborted`);
        },
      },
    });
    this.loaded.set(name, { exports: instance.exports, specs });
    // Calls checked and plans worked out against a module this one replaces are of no use now.
    this.checked = new WeakMap();
    this.prepared = new WeakMap();
  }

  /** Whether a module of that name is instantiated here. */
  has(name: string): boolean {
    return this.loaded.has(name);
  }

  /** The output `plan` makes of `input`, after checking both (errors name the kernel). */
  outputOf(plan: KernelPlan, input: ImageLike): OutputShape {
    const steps = this.steps(plan);
    let shape: InputShape = describeInput(steps[0].call.kernel, input);
    let out!: OutputShape;
    for (const step of steps) {
      out = outputShape(step.call.kernel, step.spec, step.options, shape);
      shape = { ...out, data: shape.data };
    }
    return out;
  }

  /**
   * Runs `plan` on `input`, writing the output at `byteOffset` of the memory
   * (4-aligned for float32 output); returns an image whose data is a view there.
   * With `maxBytes`, an output larger than that is not computed: the result is
   * undefined (a ring slot too small for it), from the same shape checks.
   */
  runInto(plan: KernelPlan, input: ImageLike, byteOffset: number): ImageLike;
  runInto(plan: KernelPlan, input: ImageLike, byteOffset: number, maxBytes: number): ImageLike | undefined;
  runInto(plan: KernelPlan, input: ImageLike, byteOffset: number, maxBytes = Infinity): ImageLike | undefined {
    return this.execute(plan, input, byteOffset, maxBytes);
  }

  /** Runs `plan` on `input` and returns an image with freshly allocated data. */
  run(plan: KernelPlan, input: ImageLike): ImageLike {
    const out = this.execute(plan, input, undefined, Infinity)!;
    return { ...out, data: out.data.slice() };
  }

  /**
   * Runs `plan` on `input` and copies the output into the first values of
   * `out`: a Float32Array for float32 output, a Uint8Array or
   * Uint8ClampedArray for uint8. Returns an image whose data is `out`, or the
   * part of it written. What `run` does, without allocating.
   */
  runOut<D extends Pixels>(plan: KernelPlan, input: ImageLike, out: D): ImageLike<D> {
    const result = this.execute(plan, input, undefined, Infinity)!;
    const steps = this.prepared.get(plan)!.steps; // execute worked the plan out
    const kernel = steps[steps.length - 1].call.kernel;
    const wantFloats = result.data instanceof Float32Array;
    if (wantFloats ? !(out instanceof Float32Array) : !(out instanceof Uint8Array || out instanceof Uint8ClampedArray)) {
      throw new TypeError(
        `${kernel}.into: the output is ${wantFloats ? 'float32: out must be a Float32Array' : 'uint8: out must be a Uint8Array or Uint8ClampedArray'}, got ${describeValue(out)}`,
      );
    }
    const n = result.data.length;
    if (out.length < n) {
      throw new RangeError(`${kernel}.into: the output has ${n} values (${result.width}×${result.height}×${result.channels}), out only ${out.length}`);
    }
    out.set(result.data);
    return { ...result, data: (out.length === n ? out : out.subarray(0, n)) as D };
  }

  private steps(plan: KernelPlan): Step[] {
    const calls: readonly KernelCall[] = Array.isArray(plan) ? plan : [plan as KernelCall];
    if (calls.length === 0) throw new RangeError('KernelRuntime: a kernel chain needs at least one call');
    return calls.map((call) => this.step(call));
  }

  private step(call: KernelCall): Step {
    let step = this.checked.get(call);
    if (step) return step;
    if (typeof call !== 'object' || call === null || typeof call.kernel !== 'string') {
      throw new TypeError('KernelRuntime: expected a kernel call { module, kernel, options }');
    }
    const loaded = this.loaded.get(call.module);
    if (!loaded) {
      throw new RangeError(`${call.kernel}: kernel module '${call.module}' is not loaded in this runtime`);
    }
    const spec = loaded.specs[call.kernel];
    if (!spec) throw new RangeError(`${call.kernel}: module '${call.module}' has no kernel of that name`);
    step = { call, spec, options: checkOptions(call.kernel, spec, call.options) };
    this.checked.set(call, step);
    return step;
  }

  /**
   * What `plan` (its checked `steps`) does to inputs of `first`'s shape: the
   * shapes of every step, its params encoded, where they go in scratch, and
   * its exports. `execute` works it out when the plan's input shape changes,
   * not per element: a pipeline's
   * elements mostly share one shape, and working it out (option lookups,
   * per-channel values, small arrays) costs about as much as a small image's
   * kernel (~4 µs a call in Node). Kept per plan, so that a worker running two
   * (`smap(normalize, smap(resize, images))`) keeps both.
   */
  private prepare(plan: KernelPlan, steps: readonly Step[], first: InputShape): Prepared {
    const shapes: OutputShape[] = [];
    const paramsAt: number[] = [];
    const kernels: KernelExport[] = [];
    let shape: InputShape = first;
    let paramsBytes = 0;
    for (const step of steps) {
      const out = outputShape(step.call.kernel, step.spec, step.options, shape);
      paramsAt.push(paramsBytes);
      // The params block, then the kernel's workspace (types.ts KernelSpec.workspace).
      const workspace = (step.spec.workspace?.perOutputColumn ?? 0) * out.width + (step.spec.workspace?.perOutputRow ?? 0) * out.height;
      paramsBytes += align(4 * paramsLength(step.call.kernel, step.spec, step.options, shape.channels)) + align(workspace);
      kernels.push(this.loaded.get(step.call.module)!.exports[step.spec.exports[shape.dtype]!] as KernelExport);
      shapes.push(out);
      shape = { ...out, data: shape.data };
    }
    const params = new Float32Array(paramsBytes / 4);
    for (let k = 0; k < steps.length; k++) {
      const { call, spec, options } = steps[k];
      encodeParams(call.kernel, spec, options, k === 0 ? first.channels : shapes[k - 1].channels, params, paramsAt[k] / 4);
    }
    const { dtype, width, height, channels, layout } = first;
    const prepared: Prepared = { dtype, width, height, channels, layout, steps, shapes, paramsAt, params, kernels };
    this.prepared.set(plan, prepared);
    return prepared;
  }

  private execute(plan: KernelPlan, input: ImageLike, target: number | undefined, maxBytes: number): ImageLike | undefined {
    // Every element's input is checked; what follows from its shape is reused.
    const p = this.prepared.get(plan);
    const checked = p?.steps ?? this.steps(plan);
    const first = describeInput(checked[0].call.kernel, input);
    const same = p && p.dtype === first.dtype && p.width === first.width && p.height === first.height &&
      p.channels === first.channels && p.layout === first.layout;
    const { steps, shapes, paramsAt, params, kernels } = same ? p : this.prepare(plan, checked, first);
    const last = shapes[shapes.length - 1];
    if (last.byteLength > maxBytes) return undefined;
    if (target !== undefined) this.checkTarget(steps[steps.length - 1].call.kernel, last, target);

    // Scratch: the params blocks, the input when it is not in this memory, then the
    // intermediates (and the last output too when there is no target).
    const inBytes = first.data.byteLength;
    const inputHere = this.inMemory(first.data, target, last.byteLength);
    // A copied input keeps its source's offset modulo 8: V8 copies shared memory a word
    // at a time only when both ends line up, and byte by byte otherwise (4.5× slower for a
    // 150 KB image in Chromium). Kernels read unaligned input as well as aligned.
    const inputAt = params.byteLength + (first.data.byteOffset & (WORD - 1));
    let scratch = inputHere ? params.byteLength : align(inputAt + inBytes);
    const intermediatesAt = scratch;
    for (let k = 0; k < steps.length; k++) if (k < steps.length - 1 || target === undefined) scratch += align(shapes[k].byteLength);
    const base = this.reserve(scratch);
    const buffer = this.memory.buffer;

    let src: number;
    if (inputHere) src = first.data.byteOffset;
    else {
      src = base + inputAt;
      new Uint8Array(buffer, src, inBytes).set(new Uint8Array(first.data.buffer, first.data.byteOffset, inBytes));
    }
    new Float32Array(buffer, base, params.length).set(params);
    let w = first.width, h = first.height, c = first.channels;
    let next = base + intermediatesAt;
    for (let k = 0; k < steps.length; k++) {
      const out = shapes[k];
      let dst: number;
      if (k === steps.length - 1 && target !== undefined) dst = target;
      else {
        dst = next;
        next += align(out.byteLength);
      }
      kernels[k](src, dst, w, h, c, out.width, out.height, out.channels, base + paramsAt[k]);
      src = dst;
      w = out.width; h = out.height; c = out.channels;
    }
    const count = last.width * last.height * last.channels;
    const data: Pixels = last.dtype === 'float32' ? new Float32Array(buffer, src, count) : new Uint8Array(buffer, src, count);
    return { data, width: last.width, height: last.height, channels: last.channels, layout: last.layout };
  }

  private checkTarget(kernel: string, out: OutputShape, byteOffset: number): void {
    if (!Number.isInteger(byteOffset) || byteOffset < 0) {
      throw new TypeError(`${kernel}: byteOffset must be an integer >= 0, got ${byteOffset}`);
    }
    if (out.dtype === 'float32' && byteOffset % 4 !== 0) {
      throw new RangeError(`${kernel}: byteOffset ${byteOffset} must be a multiple of 4 for float32 output`);
    }
    if (byteOffset + out.byteLength > this.memory.buffer.byteLength) {
      throw new RangeError(`${kernel}: output of ${out.byteLength} bytes at ${byteOffset} runs past the memory`);
    }
  }

  /**
   * Whether `data` can be read in place: it lies in this memory (a buffer of
   * it, or a SharedStore's array arriving with a worker's plan) and does not
   * overlap the output.
   */
  private inMemory(data: Pixels, target: number | undefined, outBytes: number): boolean {
    if (data.buffer !== this.memory.buffer && !this.buffers.has(data.buffer)) {
      if (this.foreign.has(data.buffer)) return false;
      // One look per buffer object, whichever way it goes.
      if (!sharesMemory(data.buffer, this.memory)) {
        this.foreign.add(data.buffer);
        return false;
      }
      this.buffers.add(data.buffer);
    }
    if (target === undefined) return true;
    const start = data.byteOffset;
    const end = start + data.byteLength;
    return end <= target || start >= target + outBytes;
  }

  /**
   * Called with the scratch region each time it changes (a worker records it
   * in the ring, so that the region can be used again once the worker stops).
   */
  onScratch: ((region: { start: number; bytes: number }) => void) | undefined;

  /**
   * Uses [start, start + bytes) of the memory as scratch (a region a stopped
   * worker had, of whole pages), unless this runtime has a region already.
   */
  adoptScratch(region: { start: number; bytes: number }): void {
    if (this.scratchBytes > 0) return;
    this.scratchStart = region.start;
    this.scratchBytes = region.bytes;
  }

  /** Start of a scratch region of at least `bytes` bytes that belongs to this runtime alone. */
  private reserve(bytes: number): number {
    if (bytes <= this.scratchBytes) return this.scratchStart;
    const pages = Math.ceil(bytes / PAGE);
    let old: number;
    try {
      old = this.memory.grow(pages);
    } catch (cause) {
      throw new RangeError(`KernelRuntime: cannot grow the memory by ${pages} pages of scratch`, { cause });
    }
    this.buffers.add(this.memory.buffer);
    if (this.scratchBytes > 0 && old * PAGE === this.scratchStart + this.scratchBytes) {
      this.scratchBytes += pages * PAGE; // nobody grew in between: extend our region
    } else {
      // A region too small (an adopted one, or the memory grown by someone else in between)
      // is left for good: ours is the new one.
      this.scratchStart = old * PAGE;
      this.scratchBytes = pages * PAGE;
    }
    this.onScratch?.({ start: this.scratchStart, bytes: this.scratchBytes });
    return this.scratchStart;
  }

  /** The scratch region this runtime owns, as [start, end) byte offsets (for tests and debugging). */
  get scratch(): { start: number; end: number } {
    return { start: this.scratchStart, end: this.scratchStart + this.scratchBytes };
  }
}
