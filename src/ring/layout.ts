/**
 * The memory layout of the ring: named offsets for every word, and nothing
 * else. No other file computes an offset into ring memory by hand.
 *
 * The ring lives inside a shared `WebAssembly.Memory` (its `.buffer` is a
 * SharedArrayBuffer), so that WebAssembly kernels running in workers can write
 * an element straight into its slot.
 *
 *   byte 0                 HEADER_BYTES        dataStart
 *   +----------------------+-------------------+--------------------------------------------+
 *   | header (208 × i32)   | slot table        | slot 0 | slot 1 | ... | slot n-1 | (scratch) |
 *   +----------------------+-------------------+--------------------------------------------+
 *                            n × SLOT_WORDS i32   each slot: [guard | data (slotBytes) | guard]
 *
 * Guards are GUARD_BYTES of canary bytes around each slot's data; tests check
 * that no write ever lands outside a slot. Memory past the slots is free for
 * kernel scratch, grown on demand by `memory.grow`.
 */

export const PAGE_BYTES = 65536;
export const RING_MAGIC = 0x5e9_1e9;

// Header words (Int32 indexes).
export const H_MAGIC = 0;
export const H_SLOT_COUNT = 1;
export const H_SLOT_BYTES = 2;
/** Bumped (and notified) by the reader whenever a slot becomes REQUESTED: workers wait on it. */
export const H_REQUESTS = 3;
/** Bumped (and notified) by workers whenever a slot becomes READY, FAILED or FREE: the reader waits on it. */
export const H_EVENTS = 4;
/** 1 once the prefetch is closed: workers leave their loop. */
export const H_CLOSED = 5;
/** Debug mode: 1 = the reader poisons slot data on release. */
export const H_POISON = 6;
/** Workers blocked in Atomics.wait on H_REQUESTS: the reader skips the notify when there are none. */
export const H_SLEEPERS = 7;
/** 1 while the reader waits on H_EVENTS: workers skip the notify otherwise. */
export const H_READER_WAITING = 8;
/**
 * Which publication the waiting reader needs to hear of (see slots.ts `finish`):
 * WAKE_ANY, WAKE_NONE, or slot s + 1. Slots freed late (row 7) always wake it.
 */
export const H_WAKE_SLOT = 9;
export const WAKE_ANY = 0;
export const WAKE_NONE = -1;
/** 1 while the reader reads at random (its last read restarted the window): an idle worker may linger. */
export const H_RANDOM_READS = 10;
/** Worker id + 1 while that worker lingers, spinning on H_REQUESTS instead of sleeping (one at a time, so a core stays free); else 0. */
export const H_LINGERER = 11;
/**
 * Bumped by a worker each time it finds nothing to claim and sleeps. While it
 * stays put (or nearly) the workers are busy, and the reader may sleep past
 * the element it waits for (pace.ts).
 */
export const H_NAPS = 12;
/**
 * The request log (slots.ts): how many requests the reader has logged
 * (H_LOG_TAIL, written by the reader alone) and the log position workers
 * take next (H_LOG_HEAD, moved by compareExchange). Both count on past 2^31
 * and wrap; only their difference is read.
 */
export const H_LOG_HEAD = 13;
export const H_LOG_TAIL = 14;
/**
 * Slot + 1 of the request workers take before the log's, or 0 (slots.ts):
 * the element the reader waits for, which may be logged behind read-ahead
 * (say, requested again after its worker died). Set by the reader, taken
 * (set to 0) by compareExchange.
 */
export const H_URGENT = 15;
/**
 * One heartbeat word per live worker, bumped by the worker while it runs its
 * loop: word H_HEARTBEAT + seat (a worker's seat is reused after it dies).
 */
export const H_HEARTBEAT = 16;
/** Heartbeat words, so the most workers a prefetch can run at once. */
export const MAX_WORKERS = 48;
/**
 * Each seat's kernel scratch region, three words from H_SCRATCH + 3 × seat:
 * its first page and its page count in the ring's memory, and who has it
 * (SCRATCH_*). A worker records its region here; a store's next prefetch
 * offers the regions of the last one's stopped workers to its own (so a
 * store does not grow by every prefetch's scratch for good).
 */
export const H_SCRATCH = H_HEARTBEAT + MAX_WORKERS;
export const SCRATCH_PAGE = 0;
export const SCRATCH_PAGES = 1;
export const SCRATCH_STATE = 2;
/** No region recorded. */
export const SCRATCH_NONE = 0;
/** The reader offers the region to the worker that takes the seat (taken once, by compareExchange). */
export const SCRATCH_OFFERED = 1;
/** The seat's worker uses the region. */
export const SCRATCH_OWNED = 2;
export const HEADER_WORDS = H_SCRATCH + 3 * MAX_WORKERS;
export const HEADER_BYTES = HEADER_WORDS * 4;

/** Throws unless `seat` is a worker's seat, 0 … MAX_WORKERS - 1 (`what` names the word it was for). */
function checkSeat(seat: number, what: string): void {
  if (!(Number.isInteger(seat) && seat >= 0 && seat < MAX_WORKERS)) {
    throw new RangeError(`ring: ${what} seat ${seat} is not in 0…${MAX_WORKERS - 1}`);
  }
}

/** Word index of the heartbeat of the worker in `seat` (0 … MAX_WORKERS - 1). */
export function heartbeatWord(seat: number): number {
  checkSeat(seat, 'heartbeat');
  return H_HEARTBEAT + seat;
}

/** Word index of word `field` (SCRATCH_PAGE, SCRATCH_PAGES or SCRATCH_STATE) of `seat`'s scratch record. */
export function scratchWord(seat: number, field: number): number {
  checkSeat(seat, 'scratch');
  return H_SCRATCH + 3 * seat + field;
}

// Slot table: SLOT_WORDS i32 per slot.
export const SLOT_WORDS = 16;
/** State word: the state in the low 4 bits, the slot's ticket above (see slots.ts). */
export const S_STATE = 0;
/**
 * The element index requested in this slot: its low 32 bits here, the rest in
 * S_INDEX_HIGH (indexes go to 2^53: a `cycle` can be that long).
 */
export const S_INDEX = 1;
/** The worker that claimed the slot. */
export const S_WORKER = 2;
/** How the value is encoded (see codec.ts). */
export const S_KIND = 3;
/** Typed-array element type code (see codec.ts). */
export const S_DTYPE = 4;
/** Bytes of element data written at the start of the slot. */
export const S_BYTES = 5;
/** Bytes of the structure description (trees) or error text, written after the data. */
export const S_META_BYTES = 6;
/** Where the data starts in the slot (0–7; codec.ts): a TYPED element's byte offset in its own buffer, modulo 8. */
export const S_DATA_AT = 7;
/** The element index's bits above the low 32 (see S_INDEX). */
export const S_INDEX_HIGH = 8;
/**
 * Entry p of the request log lives in the row of slot p mod slotCount (it
 * names another slot, usually): the slot requested and its ticket.
 */
export const S_LOG_SLOT = 9;
export const S_LOG_TICKET = 10;

export const GUARD_BYTES = 16;
export const GUARD_BYTE = 0xa5;
/** Slot data starts on this alignment (SIMD loads, Float64Array views). */
export const ALIGN = 16;

export function alignUp(n: number, a = ALIGN): number {
  return Math.ceil(n / a) * a;
}

export interface RingGeometry {
  readonly slotCount: number;
  /** Usable bytes per slot (element data plus its description). */
  readonly slotBytes: number;
}

/** Word index of field `field` of slot `slot` in the Int32 view of the memory. */
export function slotWord(slot: number, field: number): number {
  return HEADER_WORDS + slot * SLOT_WORDS + field;
}

/** Byte offset of the first data byte of each slot (after its leading guard). */
export function slotDataOffset(g: RingGeometry, slot: number): number {
  const tableEnd = HEADER_BYTES + g.slotCount * SLOT_WORDS * 4;
  const stride = alignUp(g.slotBytes) + 2 * GUARD_BYTES;
  return alignUp(tableEnd) + slot * stride + GUARD_BYTES;
}

/** Bytes the ring needs: header, table, slots and their guards. */
export function ringBytes(g: RingGeometry): number {
  return slotDataOffset(g, g.slotCount) - GUARD_BYTES;
}

/** Pages for a ring of this geometry (what `WebAssembly.Memory` is created with). */
export function ringPages(g: RingGeometry): number {
  return Math.ceil(ringBytes(g) / PAGE_BYTES);
}
