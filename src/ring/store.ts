/**
 * SharedStore: shared memory for source data (decoded images, a dataset's
 * bytes) that WebAssembly kernels in prefetch workers read where it is.
 *
 * A kernel reads and writes one WebAssembly memory: in a worker, the memory
 * of the ring it writes its output into. A source held in an ordinary
 * SharedArrayBuffer is therefore copied into that memory for every element
 * (150 KB for a 224×224 RGB image). `prefetch(seq, { store })` makes its ring
 * in the store's memory instead, so a kernel reads a source allocated here in
 * place and writes straight into the ring slot: no copy on either side.
 *
 * Workers receive source arrays with the plan, as views on a
 * SharedArrayBuffer object of their own. To tell that one shares the store's
 * memory (JavaScript cannot compare the memory behind two buffers), the store
 * begins with a mark: 16 random bytes, compared by `sharesMemory`.
 */
import { isNode } from '../workers/endpoint.js';

const PAGE_BYTES = 65536;
/** The most a store grows to (2 GiB). Kernel modules accept memories of up to 65536 pages. */
const MAX_PAGES = 32768;
const MARK_WORDS = 4;
const MARK_BYTES = MARK_WORDS * 4;
/** Allocations start on this alignment (SIMD loads, Float64Array views). */
const ALIGN = 16;

/** The array types a store hands out, by constructor (plain names: the buffer is the store's SharedArrayBuffer). */
export type StoreArrayOf<C> =
  C extends Int8ArrayConstructor ? Int8Array
  : C extends Uint8ClampedArrayConstructor ? Uint8ClampedArray
  : C extends Uint8ArrayConstructor ? Uint8Array
  : C extends Int16ArrayConstructor ? Int16Array
  : C extends Uint16ArrayConstructor ? Uint16Array
  : C extends Int32ArrayConstructor ? Int32Array
  : C extends Uint32ArrayConstructor ? Uint32Array
  : C extends Float32ArrayConstructor ? Float32Array
  : C extends Float64ArrayConstructor ? Float64Array
  : never;

type StoreArrayConstructor =
  | Int8ArrayConstructor | Uint8ClampedArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor
  | Int32ArrayConstructor | Uint32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;

export class SharedStore {
  /** The store's shared memory; a prefetch given this store makes its ring here. */
  readonly memory: WebAssembly.Memory;
  /** Next free byte of the store's own region, and that region's end. */
  private used = MARK_BYTES;
  private limit: number;
  private handedOut = 0;

  /**
   * A store with room for `bytes` bytes of data to begin with; `alloc` grows it as needed.
   * @example
   * const store = new SharedStore(64 * 224 * 224 * 3);
   * const pixels = store.alloc(Uint8Array, 224 * 224 * 3); // decode an image into it
   * const p = prefetch(smap(normalize(imagenet), seq([{ data: pixels, width: 224, height: 224 }])), { store });
   */
  constructor(bytes: number) {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`SharedStore: bytes must be an integer >= 0, got ${String(bytes)}`);
    if (!isNode && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) {
      throw new TypeError('SharedStore: shared memory needs a cross-origin-isolated page (COOP/COEP headers, see the README) or Node');
    }
    const pages = Math.max(1, Math.ceil((bytes + MARK_BYTES) / PAGE_BYTES));
    if (pages > MAX_PAGES) throw new RangeError(`SharedStore: ${bytes} bytes is more than a store holds (${(MAX_PAGES - 1) * PAGE_BYTES})`);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
    this.limit = pages * PAGE_BYTES;
    const mark = new Int32Array(this.memory.buffer, 0, MARK_WORDS);
    for (let k = 0; k < MARK_WORDS; k++) mark[k] = (Math.random() * 2 ** 32) | 0;
  }

  /** A new array of `length` elements in the store (zeroed, 16-byte aligned), for source data. */
  alloc<C extends StoreArrayConstructor>(type: C, length: number): StoreArrayOf<C> {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`SharedStore.alloc: length must be an integer >= 0, got ${String(length)}`);
    const bytes = length * type.BYTES_PER_ELEMENT;
    let at = Math.ceil(this.used / ALIGN) * ALIGN;
    if (at + bytes > this.limit) {
      // Grow. A ring (or kernel scratch) may have grown the memory since: what lies past
      // our region is theirs, so our region goes on where this grow starts.
      const pages = Math.ceil(bytes / PAGE_BYTES) || 1;
      let old: number;
      try {
        old = this.memory.grow(pages) * PAGE_BYTES;
      } catch (cause) {
        throw new RangeError(`SharedStore.alloc: cannot grow the store by ${pages} pages (64 KiB each) for ${length} elements`, { cause });
      }
      if (old === this.limit && at + bytes <= old + pages * PAGE_BYTES) this.limit = old + pages * PAGE_BYTES;
      else {
        at = old;
        this.limit = old + pages * PAGE_BYTES;
      }
    }
    this.used = at + bytes;
    this.handedOut += bytes;
    return new type(this.memory.buffer, at, length) as StoreArrayOf<C>;
  }

  /** Bytes handed out by `alloc` so far. */
  get bytesUsed(): number {
    return this.handedOut;
  }
}

/**
 * Page ranges of a store's memory that closed prefetches gave back (their
 * rings), by store. WebAssembly memory cannot shrink, so without this every
 * prefetch made on a store grew it by a ring for good (10.6 MB each for the
 * image pipeline of the bench).
 */
const givenBack = new WeakMap<SharedStore, { at: number; pages: number }[]>();

/** A region of at least `pages` pages a closed prefetch gave back to `store` (its byte offset), or undefined. */
export function takeGivenBack(store: SharedStore, pages: number): { at: number; pages: number } | undefined {
  const regions = givenBack.get(store);
  const k = regions?.findIndex((r) => r.pages >= pages) ?? -1;
  return k < 0 ? undefined : regions!.splice(k, 1)[0];
}

/** A closed prefetch's ring region, free for the next ring made on `store`. */
export function giveBack(store: SharedStore, region: { at: number; pages: number }): void {
  let regions = givenBack.get(store);
  if (!regions) givenBack.set(store, (regions = []));
  regions.push(region);
}

/**
 * Whether `buffer` is a view of `memory`'s own bytes (as a worker's copy of a
 * store's buffer is), told by the store's mark. False for memories that are
 * not a store's.
 */
export function sharesMemory(buffer: ArrayBufferLike, memory: WebAssembly.Memory): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer) || buffer.byteLength < MARK_BYTES) return false;
  const ours = new Int32Array(memory.buffer, 0, MARK_WORDS);
  const theirs = new Int32Array(buffer, 0, MARK_WORDS);
  let zero = true;
  for (let k = 0; k < MARK_WORDS; k++) {
    if (Atomics.load(ours, k) !== Atomics.load(theirs, k)) return false;
    if (ours[k] !== 0) zero = false;
  }
  return !zero; // a memory that is not a store has no mark
}

/**
 * Kernel scratch regions (whole pages, by byte offset and length) of
 * prefetches on a store whose workers are known to have stopped: each
 * worker of a prefetch grows the store by its scratch (a page of params at
 * least, 64 KiB), which would otherwise stay lost when the prefetch closes,
 * one prefetch (an epoch, say) after another.
 */
const scratchGivenBack = new WeakMap<SharedStore, { start: number; bytes: number }[]>();

/** A scratch region a stopped worker had in `store`, for a worker of a new prefetch, or undefined (the largest first). */
export function takeGivenBackScratch(store: SharedStore): { start: number; bytes: number } | undefined {
  return scratchGivenBack.get(store)?.pop();
}

/** A stopped worker's scratch region in `store`, free for a worker of the store's next prefetch. */
export function giveBackScratch(store: SharedStore, region: { start: number; bytes: number }): void {
  let regions = scratchGivenBack.get(store);
  if (!regions) scratchGivenBack.set(store, (regions = []));
  regions.push(region);
  regions.sort((a, b) => a.bytes - b.bytes); // the largest last, so taken first
}
