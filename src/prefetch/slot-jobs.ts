/**
 * Elements in ring slots: the reader's side of the slot protocol (the state
 * table in slots.ts). It requests, cancels and frees slots, settles the jobs
 * whose slots a worker published, and takes back the slots of workers that
 * died. An element is written once into shared memory and read there, with no
 * message per element, which is what the ring is for; the backend
 * (worker-backend.ts) decides when to look, from its watch loop.
 */
import type { Ring } from '../ring/ring.js';
import { S_KIND, S_META_BYTES } from '../ring/layout.js';
import { CLAIMED, FAILED, FREE, READY, REQUESTED, STALE, stateOf, ticketOf } from '../ring/slots.js';
import { KIND_CLONE, KIND_ERROR, encodedBytes, plan as planEncoding, readText, type SerializedError } from '../ring/codec.js';
import type { Member } from '../workers/pool.js';
import type { FromWorker } from '../workers/protocol.js';
import type { BackendEvents, Job } from './backend.js';

/** How long a dead worker's slots stay quarantined, in case it is still running its last instructions. */
const QUARANTINE_MS = 50;

/** A job in a ring slot. */
interface SlotJob {
  readonly slot: number;
  readonly ticket: number;
  done?: boolean;
  /** A value or error that travels by message (kind CLONE) has arrived. */
  arrived?: boolean;
  value?: unknown;
  error?: SerializedError;
}

export class SlotJobs {
  private readonly jobs = new Map<Job, SlotJob>();
  private readonly bySlot: (Job | undefined)[] = [];
  /** Slots the reader gave up on while a worker still held them (STALE): not free until the worker lets go. */
  private readonly staleSlots = new Set<number>();
  /** Slots neither a job nor a stale claim holds, last freed on top (a request takes one without looking at every slot). */
  private readonly freeSlots: number[] = [];
  /** Slot jobs the reader waits for (polled while unsettled): only their publications wake the watch loop. */
  private readonly awaited = new Set<SlotJob>();
  /**
   * When the reader first saw each slot's current claim (for `timeout`), by
   * slot: a claim whose element nobody wants any more (STALE) still ties up
   * its worker, so it is timed too.
   */
  private readonly claims = new Map<number, { ticket: number; since: number }>();
  private closed = false;
  /**
   * How many elements past the one the reader waits for the watch loop may
   * sleep (`wakeSlot`); 0 = wake for that element itself. The backend sets it
   * before each wait (pace.ts): above 0 only while large elements come fast
   * from busy workers, when a wake-up of the reader's thread per element
   * costs the workers a share of the cores and buys nothing. Never used while
   * the reader reads at random: a random read waits for its own element.
   */
  lookahead = 0;

  constructor(
    private readonly ring: Ring,
    private readonly events: BackendEvents,
    /** Overwrite a slot's data before freeing it (debug). */
    private readonly poison: boolean,
  ) {
    for (let s = 0; s < ring.slotCount; s++) this.bySlot.push(undefined);
    for (let s = ring.slotCount - 1; s >= 0; s--) this.freeSlots.push(s);
  }

  /** Jobs in slots. */
  get size(): number {
    return this.jobs.size;
  }

  /**
   * Slots not free: each is held by a job (`jobs`, recorded in `bySlot`) or a
   * stale claim (`staleSlots`); every other slot is on `freeSlots`.
   */
  get taken(): number {
    return this.ring.slotCount - this.freeSlots.length;
  }

  /** The backend closed: nothing settles or frees any more. */
  close(): void {
    this.closed = true;
  }

  private freeSlot(): number {
    return this.freeSlots.pop() ?? -1;
  }

  /**
   * Requests a slot for `job`; workers hear of it at the backend's next flush.
   * `urgent`: workers take it before the requests made earlier (slots.ts).
   */
  start(job: Job, urgent = false): void {
    const slot = this.freeSlot();
    if (slot < 0) throw new Error('prefetch: no free slot although room() counted one'); // the invariant in `taken` broke
    const ticket = this.ring.slots.request(slot, job.index, urgent); // row 1 (announced by flush)
    this.bySlot[slot] = job;
    this.jobs.set(job, { slot, ticket });
  }

  /** Settles `job` now if it is published, else watches for it; looks again for up to `spinMs` first. */
  poll(job: Job, spinMs = 0): void {
    const r = this.jobs.get(job);
    if (!r || r.done || this.closed) return;
    this.awaited.add(r);
    // Before looking at the slot: a worker publishing it now either sees this or is seen (slots.ts).
    this.ring.slots.wakeFor(this.wakeSlot());
    this.settleSlot(r.slot);
    if (spinMs <= 0 || r.done) return;
    const until = performance.now() + spinMs;
    while (!r.done && this.jobs.get(job) === r && performance.now() < until) this.settleSlot(r.slot);
  }

  /**
   * The slot whose publication the watch loop must hear of: any, none, or
   * the one awaited job's. With a `lookahead`, the slot of the highest
   * element up to that far past it that is requested or being made, and not
   * yet published: it is published about when the ones before it are, and
   * waking for it settles them all at once.
   */
  wakeSlot(): number | 'any' | 'none' {
    let awaited: SlotJob | undefined;
    for (const r of this.awaited) {
      const job = this.bySlot[r.slot];
      if (r.done || !job || this.jobs.get(job) !== r) {
        this.awaited.delete(r); // settled, cancelled or lost since
        continue;
      }
      if (awaited) return 'any'; // several (gets in parallel): any publication may be one of them
      awaited = r;
    }
    if (!awaited) return 'none';
    if (this.lookahead <= 0 || this.ring.slots.readsAtRandom()) return awaited.slot;
    const from = this.bySlot[awaited.slot]!.index;
    let slot = awaited.slot;
    let highest = from;
    for (let s = 0; s < this.bySlot.length; s++) {
      const job = this.bySlot[s];
      if (!job || job.index <= highest || job.index > from + this.lookahead) continue;
      const r = this.jobs.get(job);
      if (!r || r.done) continue;
      const state = stateOf(this.ring.slots.load(s));
      if (state === REQUESTED || state === CLAIMED) {
        highest = job.index;
        slot = s;
      }
    }
    return slot;
  }

  cancel(job: Job): void {
    const r = this.jobs.get(job);
    if (!r) return;
    this.jobs.delete(job);
    this.bySlot[r.slot] = undefined;
    if (this.ring.slots.cancel(r.slot)) this.freeSlots.push(r.slot); // rows 3, 9, 10
    else this.staleSlots.add(r.slot); // row 6
  }

  take(job: Job, copy: boolean): unknown {
    const r = this.jobs.get(job);
    if (!r) throw new Error('prefetch: value of a job that is gone');
    if (r.arrived) return r.value;
    return this.ring.readEncoded(r.slot, copy);
  }

  discard(job: Job): void {
    const r = this.jobs.get(job);
    if (!r) return;
    this.jobs.delete(job);
    if (this.closed) return;
    this.bySlot[r.slot] = undefined;
    // The option, not ring.poison: same value, without an atomic load per element.
    if (this.poison) this.ring.poisonData(r.slot);
    this.ring.slots.free(r.slot); // rows 9, 10
    this.freeSlots.push(r.slot);
  }

  /**
   * Puts an element the reader already holds into a free slot, READY (row 11).
   * False if it cannot go in a slot (kind CLONE, or too big).
   */
  place(job: Job, value: unknown): boolean {
    const e = planEncoding(value);
    if (e.kind === KIND_CLONE || encodedBytes(e) > this.ring.slotBytes) return false;
    const slot = this.freeSlot();
    if (slot < 0) return false; // none free (not so for the first element, which this is for): it stays a message
    this.ring.writeEncoded(slot, e);
    const ticket = this.ring.slots.placeReady(slot, job.index);
    this.bySlot[slot] = job;
    this.jobs.set(job, { slot, ticket, done: true });
    return true;
  }

  /** The value or error of a slot of kind CLONE, which travels by message. */
  arrived(m: FromWorker & { type: 'value' | 'error' }): void {
    const job = this.bySlot[m.slot];
    const r = job && this.jobs.get(job);
    if (!r || r.ticket !== m.ticket) return; // cancelled meanwhile
    r.arrived = true;
    if (m.type === 'value') r.value = m.value;
    else r.error = m.error;
    this.scan();
  }

  /** Settles every slot job whose slot is READY or FAILED, and takes back freed stale slots; returns how many settled. */
  scan(): number {
    const ring = this.ring;
    if (this.closed) return 0;
    let freed = false;
    for (const s of this.staleSlots) {
      // A live worker frees the stale slot itself when it finishes (row 7); row 8 is only for dead ones.
      if (stateOf(ring.slots.load(s)) === FREE) {
        this.staleSlots.delete(s);
        this.freeSlots.push(s);
        freed = true;
      }
    }
    let settled = 0;
    for (let s = 0; s < ring.slotCount; s++) if (this.settleSlot(s)) settled++;
    if (freed) this.events.capacity();
    return settled;
  }

  /** Settles the job in slot `s` if its worker has published it; returns whether it did. */
  private settleSlot(s: number): boolean {
    const ring = this.ring;
    const job = this.bySlot[s];
    if (!job) return false;
    const r = this.jobs.get(job);
    if (!r || r.done) return false;
    const w = ring.slots.load(s);
    if (ticketOf(w) !== r.ticket) return false;
    const state = stateOf(w);
    if (state === CLAIMED) {
      this.noteClaim(s, r.ticket, Date.now());
      return false;
    }
    if (state !== READY && state !== FAILED) return false;
    const kind = ring.field(s, S_KIND);
    if (kind === KIND_CLONE && !r.arrived) return false; // its message is on the way
    r.done = true;
    if (state === READY) {
      this.events.settled(job, { ok: true });
    } else {
      const error = r.error ?? (kind === KIND_ERROR
        ? (JSON.parse(readText(ring.buffer, ring.dataOffset(s), ring.field(s, S_META_BYTES))) as SerializedError)
        : { name: 'Error', message: 'unknown failure' });
      this.events.settled(job, { ok: false, error });
    }
    return true;
  }

  /**
   * The workers holding a slot (CLAIMED or STALE): busy, so not hung for want
   * of a heartbeat. `overdue` hears at once of each holder whose job has been
   * claimed for longer than `timeout`; it may end that worker mid-scan.
   */
  holders(now: number, timeout: number | undefined, overdue: (holder: number, index: number) => void): Set<number> {
    const ring = this.ring;
    const busy = new Set<number>();
    for (let s = 0; s < ring.slotCount; s++) {
      const w = ring.slots.load(s);
      if (stateOf(w) !== CLAIMED && stateOf(w) !== STALE) {
        this.claims.delete(s);
        continue;
      }
      const holder = ring.slots.holder(s);
      busy.add(holder);
      const since = this.noteClaim(s, ticketOf(w), now);
      if (timeout !== undefined && now - since > timeout) overdue(holder, ring.slots.elementOf(s));
    }
    return busy;
  }

  /** When the reader first saw claim `ticket` of slot `s` (now, if this is the first time). */
  private noteClaim(s: number, ticket: number, now: number): number {
    const seen = this.claims.get(s);
    if (seen?.ticket === ticket) return seen.since;
    this.claims.set(s, { ticket, since: now });
    return now;
  }

  /**
   * A dead worker's claims go STALE (row 6) and come back once it cannot
   * write any more (row 8); the jobs it held are lost, to be retried.
   */
  lostWith(member: Member): { job: Job; blamed: boolean }[] {
    const ring = this.ring;
    const lost: { job: Job; blamed: boolean }[] = [];
    for (let s = 0; s < ring.slotCount; s++) {
      const st = stateOf(ring.slots.load(s));
      if ((st !== CLAIMED && st !== STALE) || ring.slots.holder(s) !== member.id) continue;
      const job = this.bySlot[s];
      ring.slots.cancel(s); // row 6: CLAIMED → STALE
      this.staleSlots.add(s);
      this.bySlot[s] = undefined;
      if (job) {
        this.jobs.delete(job);
        lost.push({ job, blamed: true }); // a worker holds one claim at a time: the one it was computing
      }
      // row 8, once the dead worker cannot write any more
      void member.stopped.then(() => setTimeout(() => {
        ring.slots.reclaim(s);
        this.scan();
      }, QUARANTINE_MS));
    }
    return lost;
  }
}
