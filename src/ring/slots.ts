/**
 * The slot protocol: one reader (the thread that made the prefetch) and many
 * workers share `slotCount` slots through Atomics. Each slot carries one
 * element at a time. This file is the state machine and nothing else.
 *
 * The state word of a slot holds the state in its low 4 bits and a ticket
 * above them. The reader takes a new ticket each time it requests a slot, so a
 * worker that finishes late (the window moved, or it was declared dead) can
 * never publish into a slot that has since been handed to someone else: its
 * compare-exchange expects the old ticket and fails.
 *
 * | # | from      | actor  | Atomics op                        | to        | when                                             |
 * |---|-----------|--------|-----------------------------------|-----------|--------------------------------------------------|
 * | 1 | FREE      | reader | store (ticket+1); log it (and in  | REQUESTED | the window wants element S_INDEX (one add+notify |
 * |   |           |        |   H_URGENT if waited for); add+   |           | wakes workers for a whole batch of requests)     |
 * |   |           |        |   notify REQ once per batch (`an- |           |                                                  |
 * |   |           |        |   nounce`; none while one lingers)|           |                                                  |
 * | 2 | REQUESTED | worker | compareExchange                   | CLAIMED   | a worker takes the request: the urgent one, else |
 * |   |           |        |                                   |           | the next logged, else the lowest index (see the  |
 * |   |           |        |                                   |           | request log)                                     |
 * | 3 | REQUESTED | reader | compareExchange                   | FREE      | the window moved before any worker took it       |
 * | 4 | CLAIMED   | worker | compareExchange, add EVT (+notify | READY     | the value is in the slot                         |
 * |   |           |        |   if awaited, see H_WAKE_SLOT)    |           |                                                  |
 * | 5 | CLAIMED   | worker | compareExchange, add EVT (+notify | FAILED    | the element threw; the error is in the slot      |
 * |   |           |        |   if awaited, see H_WAKE_SLOT)    |           |                                                  |
 * | 6 | CLAIMED   | reader | compareExchange                   | STALE     | the window moved, or the worker died or hung     |
 * | 7 | STALE     | worker | compareExchange, add+notify EVT   | FREE      | a worker finished an element nobody wants        |
 * | 8 | STALE     | reader | compareExchange                   | FREE      | the worker that held it is gone for good         |
 * | 9 | READY     | reader | store                             | FREE      | the value was copied out, released, or unwanted  |
 * |10 | FAILED    | reader | store                             | FREE      | the error was delivered, or is unwanted          |
 * |11 | FREE      | reader | store (ticket+1)                  | READY     | the reader wrote the element itself (the first   |
 * |   |           |        |                                   |           | one, which sized the ring and came by message)   |
 *
 * Only the reader writes S_INDEX and S_INDEX_HIGH (before row 1 publishes
 * them). Only the worker holding the claim writes the slot's data, S_KIND,
 * S_DTYPE, S_BYTES, S_META_BYTES and S_DATA_AT (before rows 4/5 publish
 * them). Workers wait on H_REQUESTS, the reader waits on H_EVENTS; every
 * wait has a finite timeout. A waiter counts itself in H_SLEEPERS /
 * H_READER_WAITING before it waits, so the other side notifies only when
 * someone sleeps: every add happens before the check, and a waiter that
 * loaded the counter before the add wakes at once ('not-equal').
 *
 * A notify is a system call for the worker and a task for the reader's thread,
 * which on a busy machine takes a core from a worker. So the reader also says
 * in H_WAKE_SLOT which slot it is waiting for (`wakeFor`), and rows 4 and 5
 * notify only for that slot; row 7 always does (the reader may be waiting
 * for room). The reader sets it before it looks at that slot's state, and the
 * worker reads it after its publishing exchange, so one of them sees the other.
 * While large elements come fast from busy workers (they rarely run out of
 * requests: H_NAPS counts the times they do), the slot named may be that of
 * a later element of the window than the one waited for: the reader then
 * wakes once for several elements (pace.ts).
 *
 * The request log: a worker finds what to claim without looking at every
 * slot (a scan per claim made a window of 1024 small elements four times
 * slower than one of 16). Row 1 appends (slot, ticket) to a log of
 * slotCount entries and then bumps H_LOG_TAIL; workers take log positions
 * in order by compareExchange on H_LOG_HEAD, and claim the slot named if it
 * is still REQUESTED under that ticket (else the request was withdrawn or
 * renewed: they take the next). So workers claim in the order the reader
 * requests, which is its priority order (elements waited for, then the
 * window lowest first). The log is only a hint: the slot's compareExchange
 * decides, so an entry read half-overwritten claims nothing it should not.
 * The reader overwrites entries no worker has taken once it has logged
 * slotCount more (a window restarted often, while workers are busy): those
 * requests are found by the scan workers make, lowest index first, whenever
 * the log has nothing for them, before they sleep.
 *
 * One request may jump the log: the reader names the slot of an element it
 * waits for in H_URGENT when it requests it, and a worker looking for work
 * takes that word first (compareExchange to 0, then claims the slot if it is
 * REQUESTED). Without it, an element requested again after its worker died
 * waited behind all the read-ahead logged before it. One word, so a second
 * waited request made before a worker took the first leaves the first to the
 * log's order; the log entry of a request taken as urgent finds it CLAIMED
 * and is skipped, as a withdrawn one is.
 *
 * Random reads (H_RANDOM_READS) each restart the window, and a sleeping
 * worker takes a wake-up (tens of µs here) to start the element read. So
 * while the reader reads at random, one idle worker lingers: it spins on
 * H_REQUESTS for a while before it sleeps (H_LINGERER says one does). The
 * reader then skips the notify (the lingerer sees the add) and may wait for
 * the element in place; the lingerer wakes the sleepers for the rest of the
 * batch once it has published the element read (`wakeHelpers`). H_LINGERER
 * holds the lingerer's id + 1, so that the reader can clear it for a worker
 * that died lingering (`releaseLingerer`). A lingerer
 * gives up H_LINGERER before it counts itself a sleeper, so a reader that
 * sees no lingerer sees the sleeper.
 */
import {
  H_CLOSED, H_EVENTS, H_LINGERER, H_LOG_HEAD, H_LOG_TAIL, H_NAPS, H_RANDOM_READS, H_READER_WAITING, H_REQUESTS, H_SLEEPERS, H_URGENT, H_WAKE_SLOT,
  S_INDEX, S_INDEX_HIGH, S_LOG_SLOT, S_LOG_TICKET, S_STATE, S_WORKER, WAKE_ANY, WAKE_NONE, slotWord,
} from './layout.js';

export const FREE = 0;
export const REQUESTED = 1;
export const CLAIMED = 2;
export const READY = 3;
export const FAILED = 4;
export const STALE = 5;

export type SlotState = typeof FREE | typeof REQUESTED | typeof CLAIMED | typeof READY | typeof FAILED | typeof STALE;
export const STATE_NAMES = ['FREE', 'REQUESTED', 'CLAIMED', 'READY', 'FAILED', 'STALE'] as const;

const STATE_BITS = 4;
const STATE_MASK = (1 << STATE_BITS) - 1;
const TICKET_MASK = 0x0fff_ffff;

export function stateOf(word: number): SlotState {
  return (word & STATE_MASK) as SlotState;
}
export function ticketOf(word: number): number {
  return (word >>> STATE_BITS) & TICKET_MASK;
}
function word(state: SlotState, ticket: number): number {
  return ((ticket & TICKET_MASK) << STATE_BITS) | state;
}

/** A claim a worker holds: which slot, under which ticket, for which element. */
export interface Claim {
  readonly slot: number;
  readonly ticket: number;
  readonly index: number;
}

/** The slot table seen through an Int32Array over the ring's memory. */
export class SlotTable {
  /** The reader's count of logged requests (H_LOG_TAIL is its published copy). */
  private logged: number;

  constructor(
    readonly words: Int32Array,
    readonly slotCount: number,
  ) {
    this.logged = Atomics.load(words, H_LOG_TAIL);
  }

  /** acquire: the current state word of `slot`. */
  load(slot: number): number {
    return Atomics.load(this.words, slotWord(slot, S_STATE));
  }

  // ---- reader side ----------------------------------------------------------

  /**
   * Row 1: FREE → REQUESTED for element `index`. The slot must be FREE (the
   * reader owns it). `urgent`: the reader waits for it, so workers take it
   * before the requests logged earlier.
   */
  request(slot: number, index: number, urgent = false): number {
    const at = slotWord(slot, S_STATE);
    const before = Atomics.load(this.words, at);
    if (stateOf(before) !== FREE) throw new Error(`ring: request of slot ${slot} in state ${STATE_NAMES[stateOf(before)]}`);
    const ticket = (ticketOf(before) + 1) & TICKET_MASK;
    this.setIndex(slot, index);
    // publish: the index is visible before the request is.
    Atomics.store(this.words, at, word(REQUESTED, ticket));
    // Then log it: a worker that takes the entry finds the request in place.
    const entry = this.logRow(this.logged);
    Atomics.store(this.words, slotWord(entry, S_LOG_SLOT), slot);
    Atomics.store(this.words, slotWord(entry, S_LOG_TICKET), ticket);
    this.logged = (this.logged + 1) | 0;
    Atomics.store(this.words, H_LOG_TAIL, this.logged);
    if (urgent) Atomics.store(this.words, H_URGENT, slot + 1);
    return ticket;
  }

  /** Row 11: the reader wrote element `index` into the FREE `slot` itself. */
  placeReady(slot: number, index: number): number {
    const at = slotWord(slot, S_STATE);
    const before = Atomics.load(this.words, at);
    if (stateOf(before) !== FREE) throw new Error(`ring: place into slot ${slot} in state ${STATE_NAMES[stateOf(before)]}`);
    const ticket = (ticketOf(before) + 1) & TICKET_MASK;
    this.setIndex(slot, index);
    // publish: the data and fields were written before this store.
    Atomics.store(this.words, at, word(READY, ticket));
    return ticket;
  }

  /**
   * Row 1, second half: wakes workers for the requests made since the last
   * call. Returns true when a lingering worker will take them (no wake-up).
   */
  announce(): boolean {
    Atomics.add(this.words, H_REQUESTS, 1);
    // A worker that read H_REQUESTS before this add cannot sleep through it (its wait
    // compares the value), so only workers already asleep need the (costly) wake-up,
    // and not even they while a lingerer spins: it sees the add.
    if (Atomics.load(this.words, H_LINGERER) !== 0) return true;
    if (Atomics.load(this.words, H_SLEEPERS) > 0) Atomics.notify(this.words, H_REQUESTS);
    return false;
  }

  /** Whether the reader reads at random now (idle workers may then linger). */
  setRandomReads(random: boolean): void {
    Atomics.store(this.words, H_RANDOM_READS, random ? 1 : 0);
  }

  readsAtRandom(): boolean {
    return Atomics.load(this.words, H_RANDOM_READS) === 1;
  }

  /**
   * A worker with nothing to claim, while the reader reads at random and no
   * other worker lingers: spins up to `ms` until a request is announced after
   * `seen`. True if one was; false at once otherwise (then it sleeps).
   */
  linger(seen: number, ms: number, worker: number): boolean {
    if (Atomics.load(this.words, H_RANDOM_READS) !== 1) return false;
    if (Atomics.compareExchange(this.words, H_LINGERER, 0, worker + 1) !== 0) return false;
    try {
      const until = performance.now() + ms;
      for (let k = 1; Atomics.load(this.words, H_REQUESTS) === seen; k++) {
        // The clock and the other words every 64 looks: a lingerer leaves on time, on close
        // and as soon as the reader streams again.
        if ((k & 63) !== 0) continue;
        if (performance.now() > until || Atomics.load(this.words, H_RANDOM_READS) !== 1 || Atomics.load(this.words, H_CLOSED) !== 0) {
          return false;
        }
      }
      return true;
    } finally {
      Atomics.compareExchange(this.words, H_LINGERER, worker + 1, 0); // unless the reader cleared it meanwhile
    }
  }

  /**
   * The reader: `worker` died; if it was lingering, no one is (a worker killed
   * mid-spin never gives the word back, and announce would wake nobody).
   */
  releaseLingerer(worker: number): void {
    Atomics.compareExchange(this.words, H_LINGERER, worker + 1, 0);
  }

  /** The lingerer published the element read: wakes sleeping workers if requests remain for them. */
  wakeHelpers(): void {
    if (Atomics.load(this.words, H_SLEEPERS) === 0) return;
    for (let s = 0; s < this.slotCount; s++) {
      if (stateOf(Atomics.load(this.words, slotWord(s, S_STATE))) === REQUESTED) {
        Atomics.notify(this.words, H_REQUESTS);
        return;
      }
    }
  }

  /**
   * Which publications wake the reader while it waits: those of `slot`, of
   * any slot ('any'), or none ('none'; late frees, row 7, still do).
   */
  wakeFor(slot: number | 'any' | 'none'): void {
    Atomics.store(this.words, H_WAKE_SLOT, slot === 'any' ? WAKE_ANY : slot === 'none' ? WAKE_NONE : slot + 1);
  }

  /** How many times workers have slept for want of a request (the reader compares two readings). */
  naps(): number {
    return Atomics.load(this.words, H_NAPS);
  }

  /** A worker with nothing to claim sleeps until a request is announced, at most `ms`. */
  sleepUntilRequested(seen: number, ms: number): 'ok' | 'not-equal' | 'timed-out' {
    Atomics.add(this.words, H_NAPS, 1);
    Atomics.add(this.words, H_SLEEPERS, 1);
    try {
      return Atomics.wait(this.words, H_REQUESTS, seen, ms);
    } finally {
      Atomics.sub(this.words, H_SLEEPERS, 1);
    }
  }

  /**
   * Rows 3, 6, 9, 10: the reader no longer wants what `slot` holds.
   * Returns true when the slot is FREE now, false when a worker still holds
   * it (STALE: row 7 or 8 frees it later).
   */
  cancel(slot: number): boolean {
    const at = slotWord(slot, S_STATE);
    for (;;) {
      const w = Atomics.load(this.words, at);
      const t = ticketOf(w);
      switch (stateOf(w)) {
        case FREE:
          return true;
        case STALE:
          return false;
        case REQUESTED: // row 3
          if (Atomics.compareExchange(this.words, at, w, word(FREE, t)) === w) return true;
          break; // a worker claimed it meanwhile: look again
        case CLAIMED: // row 6
          if (Atomics.compareExchange(this.words, at, w, word(STALE, t)) === w) return false;
          break; // the worker published meanwhile: look again
        case READY: // row 9
        case FAILED: // row 10
          Atomics.store(this.words, at, word(FREE, t));
          return true;
      }
    }
  }

  /** Rows 9, 10: the reader is done with a READY or FAILED slot. */
  free(slot: number): void {
    const at = slotWord(slot, S_STATE);
    const w = Atomics.load(this.words, at);
    const s = stateOf(w);
    if (s !== READY && s !== FAILED) throw new Error(`ring: free of slot ${slot} in state ${STATE_NAMES[s]}`);
    Atomics.store(this.words, at, word(FREE, ticketOf(w)));
  }

  /** Row 8: the worker that held a STALE slot is gone for good; the reader takes the slot back. */
  reclaim(slot: number): boolean {
    const at = slotWord(slot, S_STATE);
    const w = Atomics.load(this.words, at);
    if (stateOf(w) !== STALE) return stateOf(w) === FREE;
    return Atomics.compareExchange(this.words, at, w, word(FREE, ticketOf(w))) === w;
  }

  /** The element `slot` was last requested for (meaningful while REQUESTED, CLAIMED or STALE). */
  elementOf(slot: number): number {
    // Two words: only the reader writes them, while the slot is FREE, so a worker reads them
    // whole once it holds the slot; a scan may read them torn, and its claim then fails (the ticket changed).
    return Atomics.load(this.words, slotWord(slot, S_INDEX_HIGH)) * 2 ** 32 + (Atomics.load(this.words, slotWord(slot, S_INDEX)) >>> 0);
  }

  private setIndex(slot: number, index: number): void {
    Atomics.store(this.words, slotWord(slot, S_INDEX_HIGH), Math.floor(index / 2 ** 32));
    Atomics.store(this.words, slotWord(slot, S_INDEX), index % 2 ** 32 | 0);
  }

  /** The worker recorded as holding `slot` (meaningful while CLAIMED or STALE). */
  holder(slot: number): number {
    return Atomics.load(this.words, slotWord(slot, S_WORKER));
  }

  // ---- worker side ----------------------------------------------------------

  /**
   * Row 2: claims the urgent request if one stands, else the next logged
   * request still standing, else (the log has none) the lowest REQUESTED index.
   */
  claimNext(worker: number): Claim | undefined {
    const urgent = this.claimUrgent(worker);
    if (urgent) return urgent;
    const n = this.slotCount;
    for (;;) {
      const head = Atomics.load(this.words, H_LOG_HEAD);
      const pending = (Atomics.load(this.words, H_LOG_TAIL) - head) | 0;
      if (pending <= 0) return this.claimLowest(worker);
      if (pending > n) {
        // Entries were overwritten before any worker took them: go on from the oldest still there.
        Atomics.compareExchange(this.words, H_LOG_HEAD, head, (head + pending - n) | 0);
        continue;
      }
      const entry = this.logRow(head);
      const slot = Atomics.load(this.words, slotWord(entry, S_LOG_SLOT));
      const ticket = Atomics.load(this.words, slotWord(entry, S_LOG_TICKET));
      if (Atomics.compareExchange(this.words, H_LOG_HEAD, head, (head + 1) | 0) !== head) continue; // another worker took it
      const claim = this.claim(slot, ticket, worker);
      if (claim) return claim;
      // withdrawn or renewed since it was logged: the next entry
    }
  }

  /** The row of the slot table that holds log position `position` (positions wrap as int32: may be negative). */
  private logRow(position: number): number {
    return ((position % this.slotCount) + this.slotCount) % this.slotCount;
  }

  /** Row 2 for the slot named in H_URGENT, if a request stands in it; the word is cleared either way. */
  private claimUrgent(worker: number): Claim | undefined {
    const named = Atomics.load(this.words, H_URGENT);
    if (named === 0 || Atomics.compareExchange(this.words, H_URGENT, named, 0) !== named) return undefined;
    // One word, written whole by the reader: always a slot of this ring + 1 (unlike a log entry's two words).
    const slot = named - 1;
    const w = this.load(slot);
    // The request standing in the slot now: the urgent one, or one the reader made in its
    // place since (which at worst goes ahead of its turn once).
    return stateOf(w) === REQUESTED ? this.claim(slot, ticketOf(w), worker) : undefined;
  }

  /** Row 2 for one slot: REQUESTED under `ticket` → CLAIMED by `worker`, or undefined if it is not. */
  private claim(slot: number, ticket: number, worker: number): Claim | undefined {
    if (!(slot >= 0 && slot < this.slotCount)) return undefined; // an entry read while the reader rewrote it
    const requested = word(REQUESTED, ticket);
    if (Atomics.compareExchange(this.words, slotWord(slot, S_STATE), requested, word(CLAIMED, ticket)) !== requested) return undefined;
    // The holder is written just after the claim: a reader that reads an old holder in
    // that instant may mark the slot STALE for a dead worker, which only costs a recompute;
    // a worker terminated between these two statements leaves its slot to the `timeout` option.
    Atomics.store(this.words, slotWord(slot, S_WORKER), worker);
    // Read the index under the claim: it cannot change while we hold it.
    return { slot, ticket, index: this.elementOf(slot) };
  }

  /** Row 2: claims the REQUESTED slot with the lowest element index, or returns undefined. */
  claimLowest(worker: number): Claim | undefined {
    for (;;) {
      let best = -1;
      let bestIndex = Infinity;
      let bestWord = 0;
      for (let s = 0; s < this.slotCount; s++) {
        const w = Atomics.load(this.words, slotWord(s, S_STATE));
        if (stateOf(w) !== REQUESTED) continue;
        const index = this.elementOf(s);
        if (index < bestIndex) {
          best = s;
          bestIndex = index;
          bestWord = w;
        }
      }
      if (best < 0) return undefined;
      const claim = this.claim(best, ticketOf(bestWord), worker);
      if (claim) return claim;
      // lost the race for that slot: scan again
    }
  }

  /**
   * Rows 4, 5 and 7: the worker is done with its claim. Publishes READY or
   * FAILED if the claim still stands; if the reader marked it STALE, frees it.
   * Returns whether the value was published.
   */
  finish(claim: Claim, outcome: typeof READY | typeof FAILED): boolean {
    const at = slotWord(claim.slot, S_STATE);
    const claimed = word(CLAIMED, claim.ticket);
    // publish: the slot's data and fields were written before this exchange.
    const seen = Atomics.compareExchange(this.words, at, claimed, word(outcome, claim.ticket));
    let published = seen === claimed;
    if (!published && seen === word(STALE, claim.ticket)) {
      Atomics.compareExchange(this.words, at, seen, word(FREE, claim.ticket)); // row 7
    }
    Atomics.add(this.words, H_EVENTS, 1);
    // Same reasoning as announce(): only a reader already waiting needs waking, and
    // only for the slot it waits for, or for a slot that came back (row 7).
    if (Atomics.load(this.words, H_READER_WAITING) !== 0) {
      const wake = Atomics.load(this.words, H_WAKE_SLOT);
      if (wake === WAKE_ANY || wake === claim.slot + 1 || !published) Atomics.notify(this.words, H_EVENTS);
    }
    return published;
  }

  /** Whether the worker's claim still stands (it may stop early if not). */
  stillClaimed(claim: Claim): boolean {
    return this.load(claim.slot) === word(CLAIMED, claim.ticket);
  }
}
