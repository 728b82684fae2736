/**
 * How an element is laid out in a slot.
 *
 * - TYPED: one typed array; its bytes start the slot (at S_DATA_AT, see
 *   below), its type code is in S_DTYPE. No description, nothing allocated
 *   but the reader's view.
 * - TREE: a plain object or array whose leaves are typed arrays and numbers
 *   (strings and booleans ride along in the description), or a plain number,
 *   string or boolean (a description with no leaves).
 *   The leaves' bytes come first (each 16-byte aligned, but see below), then a JSON
 *   description of the structure. Trees need it to say where each leaf is;
 *   elements of one pipeline mostly share one description, so the reader
 *   parses it once and reuses it while the bytes stay the same
 *   (`Descriptions`).
 * - CLONE: anything else. The value travels by structured clone on the
 *   worker's value port; the slot only says "look there".
 * - ERROR: the element threw; the slot holds the error as JSON.
 *
 * A leaf may also be late (`LateLeaf`): a worker's kernel output not
 * computed yet, which `write` has the kernel write straight into its place.
 *
 * Each leaf's bytes go where they have the same alignment modulo 8 as in
 * their own buffer (slot data is 16-byte aligned): V8 copies between two
 * alignments byte by byte. A 150,528-byte Uint8Array at an odd offset took
 * 122–131 µs to copy into a slot at an aligned one, and 11–17 µs into one of
 * its own alignment (Node 20), which is what a view into a file of odd-sized
 * records (CIFAR-10's 3,073 bytes, say) would otherwise pay per element.
 */
import { alignUp } from './layout.js';

export const KIND_TYPED = 1;
export const KIND_TREE = 2;
export const KIND_CLONE = 3;
export const KIND_ERROR = 4;
export type ValueKind = typeof KIND_TYPED | typeof KIND_TREE | typeof KIND_CLONE | typeof KIND_ERROR;

export type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array
  | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

type TypedArrayConstructor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray; readonly BYTES_PER_ELEMENT: number };

/** Type codes are indexes into this list (0 is unused). Float16Array where the engine has it (Chromium 135+). */
const DTYPE_NAMES = [
  '', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Float16Array',
] as const;
const DTYPES: readonly (TypedArrayConstructor | undefined)[] = DTYPE_NAMES.map((name) =>
  name === '' ? undefined : ((globalThis as Record<string, unknown>)[name] as TypedArrayConstructor | undefined));

export function isTypedArray(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** The ring's type code of `a`, or 0 for a typed array it has none for (then it travels by structured clone). */
export function knownDtype(a: TypedArray): number {
  const code = DTYPES.indexOf(a.constructor as TypedArrayConstructor);
  if (code > 0) return code;
  // A subclass (Node's Buffer, a user's class) or an array of another realm (an iframe's, a
  // vm context's): by the type name the engine gives it, as structured clone would send it.
  const byName = DTYPE_NAMES.indexOf((a as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] as (typeof DTYPE_NAMES)[number]);
  return byName > 0 ? byName : 0;
}

export function dtypeCode(a: TypedArray): number {
  const code = knownDtype(a);
  if (code === 0) throw new TypeError(`ring: unsupported typed array ${a.constructor.name}`);
  return code;
}

/** The type code of arrays of the type that global name gives (`'Float32Array'` → 8). */
export function dtypeNamed(name: (typeof DTYPE_NAMES)[number]): number {
  return DTYPE_NAMES.indexOf(name);
}

export function viewOf(buffer: ArrayBufferLike, byteOffset: number, dtype: number, byteLength: number): TypedArray {
  const C = DTYPES[dtype];
  if (!C) throw new Error(`ring: corrupt slot (type code ${dtype})`);
  return new C(buffer, byteOffset, byteLength / C.BYTES_PER_ELEMENT);
}

/**
 * A typed-array leaf not computed yet (a kernel's output in a worker, see
 * src/workers/late.ts): `plan` gives it a place in the slot as it would the
 * array, 16-byte aligned, and `write` has it written there, so its bytes are
 * written once, in the slot. `computeLate` makes it a fresh array for an
 * element that leaves by message.
 */
export abstract class LateLeaf {
  /** The type code of the array it stands for (see DTYPE_NAMES). */
  abstract readonly dtype: number;
  /** Elements of the array it stands for. */
  abstract readonly length: number;
  abstract readonly byteLength: number;
  /** Writes the array's bytes at `byteOffset` of `buffer`. */
  abstract writeAt(buffer: ArrayBufferLike, byteOffset: number): void;
  /** The array, in fresh memory. */
  abstract compute(): TypedArray;
}

/** A leaf position in a tree description: [type code, byte offset in the slot, element count]. */
type Leaf = { a: [number, number, number] };
/** Numbers JSON cannot hold (NaN, ±Infinity, -0) ride as text. */
type Special = { f: string };
type Node = number | string | boolean | Leaf | Special | { o: Record<string, Node> } | { l: Node[] };

/** The slot layout an element needs, computed before anything is written. */
export interface Encoding {
  readonly kind: ValueKind;
  /** Bytes of element data (leaves). */
  readonly dataBytes: number;
  /** Bytes of description after the data (UTF-8 JSON), or 0. */
  readonly meta: Uint8Array | undefined;
  readonly dtype: number;
  /**
   * TYPED: where in the slot the array's bytes start (0–7, its byte offset
   * modulo 8; the slot's S_DATA_AT). 0 for the other kinds, whose leaves'
   * offsets are in their description.
   */
  readonly dataAt: number;
  /** Leaves in write order, with their offsets in the slot. */
  readonly leaves: readonly { readonly array: TypedArray | LateLeaf; readonly offset: number }[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Decides how `value` travels and what it needs. Returns kind CLONE for anything the ring cannot carry. */
export function plan(value: unknown): Encoding {
  const dtype = isTypedArray(value) ? knownDtype(value) : 0;
  if (dtype > 0) {
    const array = value as TypedArray;
    const dataAt = array.byteOffset & 7;
    return { kind: KIND_TYPED, dataBytes: array.byteLength, meta: undefined, dtype, dataAt, leaves: [{ array, offset: dataAt }] };
  }
  // Numbers, strings, booleans and plain objects/arrays of them travel as a description alone.
  if (value !== null && (typeof value === 'object' || typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')) {
    const leaves: { array: TypedArray | LateLeaf; offset: number }[] = [];
    let offset = 0;
    const walk = (v: unknown, depth: number): Node | undefined => {
      if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { f: Object.is(v, -0) ? '-0' : String(v) };
      if (typeof v === 'string' || typeof v === 'boolean') return v;
      if (depth > 32 || v === null || typeof v !== 'object') return undefined;
      if (v instanceof LateLeaf) {
        const at = alignUp(offset);
        leaves.push({ array: v, offset: at });
        offset = at + v.byteLength;
        return { a: [v.dtype, at, v.length] };
      }
      if (isTypedArray(v)) {
        const code = knownDtype(v);
        if (code === 0) return undefined; // the whole value by structured clone
        const at = alignUp(offset) + (v.byteOffset & 7); // 16-byte aligned, but for the leaf's own alignment
        const node: Leaf = { a: [code, at, v.length] };
        leaves.push({ array: v, offset: at });
        offset = at + v.byteLength;
        return node;
      }
      if (Array.isArray(v)) {
        const l: Node[] = [];
        for (const x of v) {
          const n = walk(x, depth + 1);
          if (n === undefined) return undefined;
          l.push(n);
        }
        return { l };
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return undefined;
      const o: Record<string, Node> = {};
      for (const k of Object.keys(v)) {
        const n = walk((v as Record<string, unknown>)[k], depth + 1);
        if (n === undefined) return undefined;
        setKey(o, k, n);
      }
      return { o };
    };
    const root = walk(value, 0);
    if (root !== undefined) {
      return { kind: KIND_TREE, dataBytes: offset, meta: encoder.encode(JSON.stringify(root)), dtype: 0, dataAt: 0, leaves };
    }
  }
  return { kind: KIND_CLONE, dataBytes: 0, meta: undefined, dtype: 0, dataAt: 0, leaves: [] };
}

/**
 * `value` with its late leaves computed into fresh arrays, for an element
 * that travels by message (too big for a slot, or not ring-shaped). The same
 * value when it holds none; arrays and plain objects holding some are
 * copied, never changed in place (a worker's cache may hold them).
 */
export function computeLate(value: unknown, depth = 0): unknown {
  if (value instanceof LateLeaf) return value.compute();
  if (depth > 32 || value === null || typeof value !== 'object' || isTypedArray(value)) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = computeLate(value[i], depth + 1);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(value)) {
    const x = (value as Record<string, unknown>)[k];
    const v = computeLate(x, depth + 1);
    if (v !== x) setKey((out ??= { ...value }), k, v);
  }
  return out ?? value;
}

/** Bytes a slot needs for this encoding. */
export function encodedBytes(e: Encoding): number {
  return e.dataAt + e.dataBytes + (e.meta?.byteLength ?? 0);
}

/** Writes the data and description at `byteOffset`, a slot's first byte (one bulk copy per leaf). */
export function write(e: Encoding, buffer: ArrayBufferLike, byteOffset: number): void {
  const out = new Uint8Array(buffer);
  for (const { array, offset } of e.leaves) {
    if (array instanceof LateLeaf) {
      array.writeAt(buffer, byteOffset + offset);
      continue;
    }
    // A kernel already wrote this leaf where it belongs: nothing to copy.
    if (array.buffer === buffer && array.byteOffset === byteOffset + offset) continue;
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), byteOffset + offset);
  }
  if (e.meta) out.set(e.meta, byteOffset + e.dataAt + e.dataBytes);
}

/** A plain own property, even for a key named __proto__ (which assignment would take as the prototype). */
function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * The last tree description a reader parsed, by its bytes: the next element
 * with the same bytes reuses it instead of copying, decoding and parsing them.
 */
export class Descriptions {
  private bytes: Uint8Array | undefined;
  private root: Node | undefined;
  /** A view of the whole of the last buffer read, so that comparing costs no view per element. */
  private whole: Uint8Array | undefined;

  /** The parsed description at [byteOffset, byteOffset + byteLength) of `buffer`. */
  parse(buffer: ArrayBufferLike, byteOffset: number, byteLength: number): Node {
    let whole = this.whole;
    if (whole?.buffer !== buffer) whole = this.whole = new Uint8Array(buffer); // a new buffer object: the memory grew
    const last = this.bytes;
    if (last && last.length === byteLength && this.root !== undefined) {
      let same = true;
      for (let i = 0; i < byteLength; i++) {
        if (whole[byteOffset + i] !== last[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.root;
    }
    const bytes = whole.slice(byteOffset, byteOffset + byteLength); // TextDecoder refuses shared views; the copy is also the cache key
    const root = JSON.parse(decoder.decode(bytes)) as Node;
    this.bytes = bytes;
    this.root = root;
    return root;
  }
}

/**
 * Reads a slot's value: views into `buffer` (zero-copy), or copies the caller
 * owns. `byteOffset` is where the data starts: the slot's first byte plus its
 * S_DATA_AT.
 */
export function read(
  buffer: ArrayBufferLike,
  byteOffset: number,
  kind: ValueKind,
  dtype: number,
  dataBytes: number,
  metaBytes: number,
  copy: boolean,
  descriptions: Descriptions = new Descriptions(),
): unknown {
  if (kind === KIND_TYPED) {
    const v = viewOf(buffer, byteOffset, dtype, dataBytes);
    return copy ? v.slice() : v;
  }
  if (kind !== KIND_TREE) throw new Error(`ring: read of a slot of kind ${kind}`);
  // The parsed description may be shared with earlier elements: `build` only reads it.
  const root = descriptions.parse(buffer, byteOffset + dataBytes, metaBytes);
  const build = (n: Node): unknown => {
    if (typeof n !== 'object') return n;
    if ('f' in n) return n.f === '-0' ? -0 : Number(n.f);
    if ('a' in n) {
      const [code, off, count] = n.a;
      const C = DTYPES[code]!;
      const v = viewOf(buffer, byteOffset + off, code, count * C.BYTES_PER_ELEMENT);
      return copy ? v.slice() : v;
    }
    if ('l' in n) return n.l.map(build);
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(n.o)) setKey(o, k, build(n.o[k]!));
    return o;
  };
  return build(root);
}

/** UTF-8 text at a place in (possibly shared) memory: TextDecoder refuses shared views, so copy first. */
export function readText(buffer: ArrayBufferLike, byteOffset: number, byteLength: number): string {
  return decoder.decode(new Uint8Array(buffer, byteOffset, byteLength).slice());
}

/** An error as it travels: enough to rebuild it on the other side with its stack. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** The EvaluationError's index, when the worker's pipeline wrapped the error. */
  index?: number;
  cause?: SerializedError;
}

export function serializeError(e: unknown, depth = 0): SerializedError {
  if (e instanceof Error) {
    const out: SerializedError = { name: e.name, message: e.message, stack: e.stack };
    const index = (e as { index?: unknown }).index;
    if (typeof index === 'number') out.index = index;
    if (e.cause !== undefined && depth < 4) out.cause = serializeError(e.cause, depth + 1);
    return out;
  }
  return { name: 'Error', message: String(e) };
}

/** Error text for a FAILED slot (whole: one that does not fit a slot travels by message instead). */
export function encodeError(e: SerializedError): Uint8Array {
  return encoder.encode(JSON.stringify(e));
}
