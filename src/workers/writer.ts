/**
 * `writesInto`: a worker function that fills a typed array it is handed
 * instead of returning a fresh one.
 *
 * A plain exposed function that returns a large typed array costs its worker
 * an allocation, a fill and a copy into the ring slot. A writer says up front
 * how long its output is, so a prefetch worker can hand it a view over the
 * slot itself and skip the other two (runtime.ts, `writeWriterOutput`).
 * Called any other way (no shared memory, output bigger than a slot, a test,
 * the main thread) it allocates its output, fills it and returns it: it is an
 * ordinary function wherever it is used, and the fast path is only a cost
 * saved. (Writes into shared memory are slower than into a private buffer:
 * V8 fills and copies a SharedArrayBuffer with relaxed atomic stores, about
 * 2–3× the time here. Allocating, filling and copying costs more still.)
 */
import { describeValue } from '../seq/indexing.js';
import { dtypeCode, type TypedArray } from '../ring/codec.js';
import { checkFunction } from '../ops/validate.js';

/** The typed arrays a writer can fill: those the ring carries (codec.ts). */
export type WritableArray = TypedArray;

/** A typed-array constructor (`Float32Array`, `Uint8Array`, …) as a writer uses it. */
export interface WritableArrayType<T extends WritableArray> {
  // `prototype` is what infers `T` as `Float32Array` over any buffer, not the `Float32Array<ArrayBuffer>` that `new` returns.
  readonly prototype: T;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** What the worker runtime reads off a writer. */
export interface Writer {
  readonly type: WritableArrayType<WritableArray>;
  /** The ring's type code for `type` (codec.ts), checked once here. */
  readonly dtype: number;
  readonly length: (arg: unknown) => unknown;
  readonly write: (arg: unknown, out: WritableArray) => unknown;
}

/** The marker a writer carries. A symbol of this module: only seqring's runtime reads it. */
const WRITER: unique symbol = Symbol('seqring.writesInto');

/**
 * Makes a worker function whose typed-array output a prefetch worker writes
 * straight into the ring slot: `length(arg)` says how many elements the
 * output of `arg` has, then `write(arg, out)` fills `out`. `write` must set
 * every element, synchronously, and must not keep `out`: it may be a view
 * over a ring slot, holding what the slot held before, and handed to the
 * reader as soon as `write` returns.
 *
 * A prefetch worker takes that path when the writer is the last step of the
 * pipeline, over one sequence (`smap(fns.ramp, xs)`), and the output fits a
 * slot. Otherwise the result is an ordinary function `(arg) => T`: it
 * allocates `new type(length(arg))`, fills it and returns it. An argument that
 * is a promise (an async step before it) gives a promise of the output, as
 * kernels do.
 *
 * ```ts
 * // my.worker.ts
 * import { exposeFunctions, writesInto } from 'seqring/worker';
 * export const functions = {
 *   ramp: writesInto(Float32Array, () => 224 * 224 * 3, (i: number, out) => out.fill(i)),
 * };
 * exposeFunctions(functions);
 * ```
 */
export function writesInto<A, T extends WritableArray>(
  type: WritableArrayType<T>,
  length: (arg: A) => number,
  write: (arg: A, out: T) => void,
): (arg: A) => T {
  const dtype = checkType(type);
  checkFunction(length, 'writesInto', 'length');
  checkFunction(write, 'writesInto', 'write');
  // Refused now rather than per element: an async write could still be writing into a slot the
  // reader has been handed (or that holds another element by then). fill() catches the rest.
  if ((write as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'AsyncFunction') {
    throw new TypeError('writesInto: write must fill out synchronously, got an async function');
  }
  const writer: Writer = {
    type: type as WritableArrayType<WritableArray>,
    dtype,
    length: length as (arg: unknown) => unknown,
    write: write as (arg: unknown, out: WritableArray) => unknown,
  };
  // Called outside a worker's pipeline there is no exposed name to give: the type stands in for it.
  const name = `writesInto(${type.name})`;
  const f = (arg: A): T => callWriter(writer, arg, name) as T;
  Object.defineProperty(f, WRITER, { value: writer });
  return f;
}

/** The writer behind `f`, when `f` was made by `writesInto`. */
export function writerOf(f: unknown): Writer | undefined {
  return typeof f === 'function' ? (f as { [WRITER]?: Writer })[WRITER] : undefined;
}

/** The plain call: a fresh output, filled. `name` names the function in errors. */
export function callWriter(writer: Writer, arg: unknown, name: string): unknown {
  if (arg instanceof Promise) return arg.then((ready: unknown) => callWriter(writer, ready, name));
  const out = new writer.type(outputLength(writer, arg, name));
  fill(writer, arg, out, name);
  return out;
}

/** `length(arg)`, checked: TypeError for a non-integer, RangeError for a negative count. */
export function outputLength(writer: Writer, arg: unknown, name: string): number {
  const n = writer.length(arg);
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new TypeError(`${name}: length(arg) must return an integer >= 0 (the output's element count), got ${describeValue(n)}`);
  }
  if (n < 0) throw new RangeError(`${name}: length(arg) must return an integer >= 0 (the output's element count), got ${n}`);
  return n;
}

/** `write(arg, out)`, which must finish before it returns: the caller publishes `out` right after. */
export function fill(writer: Writer, arg: unknown, out: WritableArray, name: string): void {
  const r = writer.write(arg, out);
  if (r instanceof Promise) {
    r.catch(() => {}); // its outcome can no longer matter; keep it from surfacing as unhandled
    throw new TypeError(`${name}: write(arg, out) returned a promise; it must fill out synchronously`);
  }
}

/** The ring's type code for `type`; TypeError for anything that is not a typed array the ring carries. */
function checkType(type: unknown): number {
  if (typeof type === 'function') {
    try {
      // One empty instance, once per writer: the codec knows its own type list.
      const probe: unknown = new (type as new (length: number) => unknown)(0);
      if (ArrayBuffer.isView(probe) && !(probe instanceof DataView)) return dtypeCode(probe as WritableArray);
    } catch {
      // not a constructor of one argument, or a typed array the ring does not carry: reported below
    }
  }
  const what = typeof type === 'function' ? type.name || '(anonymous)' : describeValue(type);
  throw new TypeError(
    `writesInto: type must be a typed-array constructor the ring carries (Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, or Float16Array where the engine has it), got ${what}`,
  );
}
