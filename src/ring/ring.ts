/**
 * A ring: the shared memory, its header and slot table, and the byte ranges of
 * its slots. Both the reader and the workers hold one over the same memory;
 * the reader creates it, workers attach to it.
 */
import {
  GUARD_BYTE, GUARD_BYTES, H_CLOSED, H_EVENTS, H_MAGIC, H_POISON, H_REQUESTS, H_SLOT_BYTES, H_SLOT_COUNT,
  PAGE_BYTES, RING_MAGIC, S_BYTES, S_DATA_AT, S_DTYPE, S_KIND, S_META_BYTES, SCRATCH_NONE, SCRATCH_OFFERED, SCRATCH_OWNED, SCRATCH_PAGE,
  SCRATCH_PAGES, SCRATCH_STATE, alignUp, heartbeatWord, ringPages, scratchWord, slotDataOffset, slotWord,
  type RingGeometry,
} from './layout.js';
import { SlotTable } from './slots.js';
import { Descriptions, read, write, type Encoding, type ValueKind } from './codec.js';

/** The geometry `create` makes: slots of at least 16 bytes, 16-byte aligned. */
function geometry(g: RingGeometry): RingGeometry {
  return { slotCount: g.slotCount, slotBytes: alignUp(Math.max(16, g.slotBytes)) };
}

/** The slot words that say what a slot holds (layout.ts). */
type LayoutField = typeof S_KIND | typeof S_DTYPE | typeof S_BYTES | typeof S_META_BYTES | typeof S_DATA_AT;

/** Shared memories reserve their maximum up front: room for kernel scratch past the slots, bounded. */
const SCRATCH_HEADROOM_PAGES = 16384; // 1 GiB of address space, committed only when grown
/** The most pages a WebAssembly memory can have (4 GiB). */
const MAX_MEMORY_PAGES = 65536;

const describeRing = (g: RingGeometry, pages: number): string =>
  `a ring of ${g.slotCount} slots of ${g.slotBytes} bytes (${Math.ceil((pages * PAGE_BYTES) / 2 ** 20)} MiB)`;

export interface RingOptions extends RingGeometry {
  /** Poison slot data on release so that use after release shows in tests. */
  readonly poison?: boolean;
  /**
   * Make the ring in this shared memory, grown for it, rather than in a new
   * one: a SharedStore's (store.ts), so that kernels in workers read source
   * data from the store in place and write into the ring's slots.
   */
  readonly memory?: WebAssembly.Memory;
  /** With `memory`: make the ring at this byte offset, in `Ring.pages` pages set aside there, instead of growing it. */
  readonly at?: number;
}

/** Where a ring lives: its shared memory, and the byte offset of its header there (0 in a memory of its own). */
export interface RingLocation {
  readonly memory: WebAssembly.Memory;
  readonly at: number;
}

export class Ring implements RingGeometry {
  readonly slots: SlotTable;
  readonly words: Int32Array;
  readonly slotCount: number;
  readonly slotBytes: number;
  /** The reader's last parsed tree description (codec.ts). */
  private readonly descriptions = new Descriptions();

  private constructor(
    readonly memory: WebAssembly.Memory,
    /** Byte offset of the header in the memory: every word index of layout.ts counts from here. */
    readonly at: number,
  ) {
    this.words = new Int32Array(memory.buffer, at);
    if (Atomics.load(this.words, H_MAGIC) !== RING_MAGIC) throw new Error('ring: memory holds no ring');
    this.slotCount = Atomics.load(this.words, H_SLOT_COUNT);
    this.slotBytes = Atomics.load(this.words, H_SLOT_BYTES);
    this.slots = new SlotTable(this.words, this.slotCount);
  }

  /** Makes a new ring in a new shared memory (the reader does this). */
  static create(options: RingOptions): Ring {
    const g = geometry(options);
    const pages = ringPages(g);
    let memory: WebAssembly.Memory;
    let at = 0;
    if (options.memory && options.at !== undefined) {
      // Pages another ring had: its header and slot table would read as this ring's state.
      memory = options.memory;
      at = options.at;
      new Uint8Array(memory.buffer, at, slotDataOffset(g, 0)).fill(0);
    } else if (options.memory) {
      memory = options.memory;
      try {
        at = memory.grow(pages) * PAGE_BYTES; // the old size: [at, at + pages) is this ring's alone
      } catch (cause) {
        throw new RangeError(`prefetch: the store's memory cannot grow by the ${pages} pages (64 KiB each) of ${describeRing(g, pages)}`, { cause });
      }
    } else {
      if (pages > MAX_MEMORY_PAGES) throw new RangeError(`prefetch: ${describeRing(g, pages)} is more than a WebAssembly memory holds (4 GiB)`);
      try {
        memory = new WebAssembly.Memory({ initial: pages, maximum: Math.min(MAX_MEMORY_PAGES, pages + SCRATCH_HEADROOM_PAGES), shared: true });
      } catch (cause) {
        throw new RangeError(`prefetch: cannot allocate ${describeRing(g, pages)}`, { cause });
      }
    }
    const words = new Int32Array(memory.buffer, at);
    words[H_SLOT_COUNT] = g.slotCount;
    words[H_SLOT_BYTES] = g.slotBytes;
    words[H_POISON] = options.poison ? 1 : 0;
    Atomics.store(words, H_MAGIC, RING_MAGIC);
    const ring = new Ring(memory, at);
    for (let s = 0; s < g.slotCount; s++) ring.fillGuards(s);
    return ring;
  }

  /** Pages a ring of this geometry takes (what `create` grows a memory by, or needs at `at`). */
  static pages(g: RingGeometry): number {
    return ringPages(geometry(g));
  }

  /** Attaches to a ring made by `create` (workers do this with the location they were sent). */
  static attach(location: RingLocation): Ring {
    return new Ring(location.memory, location.at);
  }

  /** What a worker needs to attach to this ring. */
  get location(): RingLocation {
    return { memory: this.memory, at: this.at };
  }

  /** The memory's current buffer (it changes when kernel scratch grows the memory). */
  get buffer(): SharedArrayBuffer {
    return this.memory.buffer as unknown as SharedArrayBuffer;
  }

  /** Byte offset in the memory of the first data byte of `slot`. */
  dataOffset(slot: number): number {
    return this.at + slotDataOffset(this, slot);
  }

  field(slot: number, f: LayoutField): number {
    return Atomics.load(this.words, slotWord(slot, f));
  }

  setField(slot: number, f: LayoutField, v: number): void {
    Atomics.store(this.words, slotWord(slot, f), v);
  }

  /**
   * Says what `slot` holds (codec.ts): its kind, type code, data bytes,
   * description bytes, and where its data starts (`dataAt`, 0–7).
   */
  setLayout(slot: number, kind: number, dtype: number, dataBytes: number, metaBytes: number, dataAt = 0): void {
    this.setField(slot, S_KIND, kind);
    this.setField(slot, S_DTYPE, dtype);
    this.setField(slot, S_BYTES, dataBytes);
    this.setField(slot, S_META_BYTES, metaBytes);
    this.setField(slot, S_DATA_AT, dataAt);
  }

  /** Writes an element planned by codec.ts into `slot`, with its layout (not yet published). */
  writeEncoded(slot: number, e: Encoding): void {
    write(e, this.buffer, this.dataOffset(slot));
    this.setLayout(slot, e.kind, e.dtype, e.dataBytes, e.meta?.byteLength ?? 0, e.dataAt);
  }

  /** The element in `slot` (see codec.ts `read`): views into the slot, or a copy when `copy`. */
  readEncoded(slot: number, copy: boolean): unknown {
    return read(
      this.buffer, this.dataOffset(slot) + this.field(slot, S_DATA_AT), this.field(slot, S_KIND) as ValueKind,
      this.field(slot, S_DTYPE), this.field(slot, S_BYTES), this.field(slot, S_META_BYTES), copy, this.descriptions,
    );
  }

  get closed(): boolean {
    return Atomics.load(this.words, H_CLOSED) !== 0;
  }

  /** Tells every worker to leave its loop, and wakes them to see it. */
  close(): void {
    Atomics.store(this.words, H_CLOSED, 1);
    Atomics.notify(this.words, H_REQUESTS);
    Atomics.notify(this.words, H_EVENTS);
  }

  get poison(): boolean {
    return Atomics.load(this.words, H_POISON) !== 0;
  }

  requestsSeen(): number {
    return Atomics.load(this.words, H_REQUESTS);
  }

  eventsSeen(): number {
    return Atomics.load(this.words, H_EVENTS);
  }

  /** The heartbeat count of the worker in `seat` (WorkerInit.seat). */
  heartbeat(seat: number): number {
    return Atomics.load(this.words, heartbeatWord(seat));
  }

  beat(seat: number): void {
    Atomics.add(this.words, heartbeatWord(seat), 1);
  }

  /**
   * The kernel scratch region recorded for `seat` (offered or in use): its
   * first byte in the memory and its length, or undefined.
   */
  scratch(seat: number): { start: number; bytes: number } | undefined {
    if (Atomics.load(this.words, scratchWord(seat, SCRATCH_STATE)) === SCRATCH_NONE) return undefined;
    const pages = Atomics.load(this.words, scratchWord(seat, SCRATCH_PAGES));
    return pages > 0 ? { start: Atomics.load(this.words, scratchWord(seat, SCRATCH_PAGE)) * PAGE_BYTES, bytes: pages * PAGE_BYTES } : undefined;
  }

  /** The reader offers the worker that takes `seat` a region of whole pages (one a stopped worker had). */
  offerScratch(seat: number, region: { start: number; bytes: number }): void {
    this.setScratch(seat, region, SCRATCH_OFFERED);
  }

  /** The region offered to `seat`, for its worker to use; undefined when none was, or when it was taken already. */
  takeScratch(seat: number): { start: number; bytes: number } | undefined {
    const offered = this.scratch(seat);
    if (Atomics.compareExchange(this.words, scratchWord(seat, SCRATCH_STATE), SCRATCH_OFFERED, SCRATCH_OWNED) !== SCRATCH_OFFERED) return undefined;
    return offered;
  }

  /** `seat`'s worker records the region of whole pages it uses now. */
  recordScratch(seat: number, region: { start: number; bytes: number }): void {
    this.setScratch(seat, region, SCRATCH_OWNED);
  }

  private setScratch(seat: number, { start, bytes }: { start: number; bytes: number }, state: number): void {
    if (start % PAGE_BYTES !== 0 || bytes % PAGE_BYTES !== 0) throw new RangeError(`ring: a scratch region is whole pages, got ${bytes} bytes at ${start}`);
    Atomics.store(this.words, scratchWord(seat, SCRATCH_PAGE), start / PAGE_BYTES);
    Atomics.store(this.words, scratchWord(seat, SCRATCH_PAGES), bytes / PAGE_BYTES);
    Atomics.store(this.words, scratchWord(seat, SCRATCH_STATE), state);
  }

  /** Writes the canary bytes around a slot's data. */
  fillGuards(slot: number): void {
    const at = this.dataOffset(slot);
    const bytes = new Uint8Array(this.buffer);
    bytes.fill(GUARD_BYTE, at - GUARD_BYTES, at);
    bytes.fill(GUARD_BYTE, at + this.slotBytes, at + this.slotBytes + GUARD_BYTES);
  }

  /** Slots whose canary bytes were overwritten (must always be empty). */
  damagedGuards(): number[] {
    const bytes = new Uint8Array(this.buffer);
    const damaged: number[] = [];
    for (let s = 0; s < this.slotCount; s++) {
      const at = this.dataOffset(s);
      for (let k = 0; k < GUARD_BYTES; k++) {
        if (bytes[at - GUARD_BYTES + k] !== GUARD_BYTE || bytes[at + this.slotBytes + k] !== GUARD_BYTE) {
          damaged.push(s);
          break;
        }
      }
    }
    return damaged;
  }

  /** Debug mode: overwrite a released slot's data so a stale view reads garbage (0xff bytes: NaN as floats, -1 as ints). */
  poisonData(slot: number): void {
    const at = this.dataOffset(slot);
    new Uint8Array(this.buffer, at, this.slotBytes).fill(0xff);
  }
}

export { PAGE_BYTES };
