/**
 * Elements evaluated by workers: over the shared ring (transport 'shared') or,
 * without shared memory, by messages that transfer their buffers ('transfer').
 *
 * Shared: the ring is sized from the first element, which travels once by
 * message (so nothing is evaluated twice to size it) and is then placed in a
 * slot; every later element goes through a slot (slots.ts). The reader's side
 * of the slot protocol lives here: it requests, cancels and frees slots, and
 * one watch loop waits on the ring's event counter (wait.ts) to learn which
 * slots settled. The same loop checks heartbeats and the per-element
 * `timeout`. Elements that travel by message are kept in messages.ts.
 */
import type { Plan } from '../plan/plan.js';
import type { WorkerFactory } from '../plan/remote.js';
import { Ring } from '../ring/ring.js';
import { H_EVENTS, H_READER_WAITING, S_KIND, S_META_BYTES } from '../ring/layout.js';
import { CLAIMED, FAILED, FREE, READY, STALE, stateOf, ticketOf } from '../ring/slots.js';
import { KIND_CLONE, KIND_ERROR, encodedBytes, plan as planEncoding, readText, type SerializedError } from '../ring/codec.js';
import { Pool, type Member } from '../workers/pool.js';
import type { FromWorker, KernelModuleEntry, ToWorker } from '../workers/protocol.js';
import type { ErrorMode } from '../seq/errors.js';
import type { Backend, BackendEvents, Job } from './backend.js';
import { MessageJobs } from './messages.js';
import { waitForChange } from './wait.js';

/** The longest single wait of the watch loop; it loops, so every wait is finite. */
const WAIT_SLICE_MS = 100;
/** An idle worker bumps its heartbeat every few ms; this long without one means it is gone. */
const HEARTBEAT_LIMIT_MS = 5_000;
/** Replacement workers that fail to start in a row before the prefetch gives up. */
const MAX_FAILED_STARTS = 3;
/** How long a dead worker's slots stay quarantined, in case it is still running its last instructions. */
const QUARANTINE_MS = 50;

export interface WorkerBackendOptions {
  readonly transport: 'shared' | 'transfer';
  readonly plan: Plan;
  readonly factory: WorkerFactory | undefined;
  readonly workers: number;
  readonly maxBuffered: number;
  readonly slotBytes: number | undefined;
  readonly onWorkerStart: string | undefined;
  readonly timeout: number | undefined;
  readonly errorMode: ErrorMode;
  readonly kernelModules: () => Promise<Record<string, KernelModuleEntry> | undefined>;
  readonly poison: boolean;
}

/** A job in a ring slot. */
interface SlotJob {
  readonly slot: number;
  readonly ticket: number;
  /** When the reader first saw a worker holding it (for `timeout`). */
  claimedSince?: number;
  done?: boolean;
  /** A value or error that travels by message (kind CLONE) has arrived. */
  arrived?: boolean;
  value?: unknown;
  error?: SerializedError;
}

export class WorkerBackend implements Backend {
  readonly transport: 'shared' | 'transfer';
  readonly capacityTotal: number;
  private ring: Ring | undefined;
  private readonly pool: Pool;
  private readonly jobs = new Map<Job, SlotJob>();
  private readonly messages = new MessageJobs();
  private readonly bySlot: (Job | undefined)[] = [];
  /** Slots the reader gave up on while a worker still held them (STALE): not free until the worker lets go. */
  private readonly staleSlots = new Set<number>();
  private nextToken = 1;
  private closed = false;
  private sizing = false;
  private failedStarts = 0;
  private wake: (() => void) | undefined;
  private readonly beats = new Map<number, { value: number; at: number }>();
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private messageClock: ReturnType<typeof setInterval> | undefined;
  private modules: Record<string, KernelModuleEntry> | undefined;
  private announce = false;
  /** Slot jobs the reader waits for (polled while unsettled): only their publications wake the watch loop. */
  private readonly awaited = new Set<SlotJob>();

  constructor(
    private readonly events: BackendEvents,
    private readonly options: WorkerBackendOptions,
  ) {
    this.transport = options.transport;
    this.capacityTotal = options.maxBuffered + 1;
    if (options.transport === 'shared' && options.slotBytes !== undefined) this.makeRing(options.slotBytes);
    this.pool = new Pool({
      factory: options.factory,
      init: () => ({
        plan: options.plan,
        transport: options.transport,
        memory: this.ring?.memory,
        kernelModules: this.modules,
        onWorkerStart: options.onWorkerStart,
        errorMode: options.errorMode,
      }),
      onDeath: (m, reason) => this.onDeath(m, reason),
      onMessage: (m, data) => this.onMessage(m, data as FromWorker),
    });
    void this.boot();
  }

  private async boot(): Promise<void> {
    try {
      this.modules = await this.options.kernelModules();
      const started = await Promise.allSettled(Array.from({ length: this.options.workers }, () => this.pool.spawn()));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (error) {
      this.events.fatal(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.flushMessages();
    this.events.capacity();
    if (this.transport === 'shared') void this.watch();
    if (this.options.timeout !== undefined) {
      // Elements sent by message (all of them without shared memory; the first one with it) have no slot to watch.
      const every = Math.max(10, Math.min(100, this.options.timeout / 2));
      this.messageClock = setInterval(() => this.checkMessageTimeouts(), every);
      (this.messageClock as { unref?: () => void }).unref?.();
    }
  }

  /** A worker that holds a message request longer than `timeout` is hung: replace it (its requests are lost and retried). */
  private checkMessageTimeouts(): void {
    const limit = this.options.timeout!;
    for (const { member, index } of this.messages.overdue(limit)) {
      this.pool.terminate(member, `it spent more than ${limit} ms on element ${index}`);
    }
  }

  private makeRing(slotBytes: number): void {
    this.ring = Ring.create({ slotCount: this.capacityTotal, slotBytes, poison: this.options.poison });
    for (let s = 0; s < this.capacityTotal; s++) this.bySlot.push(undefined);
  }

  // ---- Backend -----------------------------------------------------------------

  room(): number {
    if (this.closed) return 0;
    // A slot is taken by exactly one of: a job (`jobs`, recorded in `bySlot`) or a stale claim
    // (`staleSlots`); the two never share a slot. Counting them spares a scan per pump.
    if (this.ring) return this.capacityTotal - this.jobs.size - this.staleSlots.size;
    // No ring yet (shared: still to be sized by the first element; transfer: never).
    if (this.transport === 'shared') return this.sizing ? 0 : 1;
    return this.capacityTotal - this.messages.size;
  }

  flush(): void {
    if (!this.announce) return;
    this.announce = false;
    this.ring?.slots.announce(); // row 1, once for the batch
  }

  private freeSlot(): number {
    for (let s = 0; s < this.capacityTotal; s++) if (!this.bySlot[s] && !this.staleSlots.has(s)) return s;
    return -1;
  }

  start(index: number): Job {
    const job: Job = { index, token: this.nextToken++ };
    if (this.ring) {
      const slot = this.freeSlot();
      if (slot < 0) throw new Error('prefetch: no free slot although room() counted one'); // the invariant in room() broke
      const ticket = this.ring.slots.request(slot, index); // row 1 (announced by flush)
      this.announce = true;
      this.bySlot[slot] = job;
      this.jobs.set(job, { slot, ticket });
    } else {
      if (this.transport === 'shared') this.sizing = true;
      this.messages.add(job);
      this.flushMessages();
    }
    this.keepProcessAlive();
    this.wake?.();
    return job;
  }

  poll(job: Job): void {
    const r = this.jobs.get(job);
    if (!r || r.done || !this.ring || this.closed) return; // message jobs settle when their answer comes
    this.awaited.add(r);
    // Before looking at the slot: a worker publishing it now either sees this or is seen (slots.ts).
    this.ring.slots.wakeFor(this.wakeSlot());
    this.settleSlot(r.slot);
  }

  /** The slot whose publication the watch loop must hear of: the one awaited job's, any, or none. */
  private wakeSlot(): number | 'any' | 'none' {
    let slot: number | 'none' = 'none';
    for (const r of this.awaited) {
      const job = this.bySlot[r.slot];
      if (r.done || !job || this.jobs.get(job) !== r) {
        this.awaited.delete(r); // settled, cancelled or lost since
        continue;
      }
      if (slot !== 'none') return 'any'; // several (gets in parallel): any publication may be one of them
      slot = r.slot;
    }
    return slot;
  }

  cancel(job: Job): void {
    if (this.messages.has(job)) {
      this.messages.cancel(job);
      if (this.transport === 'shared' && !this.ring) this.sizing = false;
      return;
    }
    const r = this.jobs.get(job);
    if (!r) return;
    this.jobs.delete(job);
    this.bySlot[r.slot] = undefined;
    if (!this.ring!.slots.cancel(r.slot)) this.staleSlots.add(r.slot); // rows 3, 6, 9, 10
  }

  take(job: Job, copy: boolean): unknown {
    if (this.messages.has(job)) return this.messages.take(job);
    const r = this.jobs.get(job);
    if (!r) throw new Error('prefetch: value of a job that is gone');
    if (r.arrived) return r.value;
    return this.ring!.readEncoded(r.slot, copy);
  }

  discard(job: Job): void {
    this.messages.discard(job);
    const r = this.jobs.get(job);
    if (!r) return;
    this.jobs.delete(job);
    if (this.closed) return;
    this.bySlot[r.slot] = undefined;
    // The option, not ring.poison: same value, without an atomic load per element.
    if (this.options.poison) this.ring!.poisonData(r.slot);
    this.ring!.slots.free(r.slot); // rows 9, 10
  }

  async close(_reason: unknown): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ring?.close();
    this.wake?.();
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (this.messageClock) clearInterval(this.messageClock);
    for (const m of this.pool.members.values()) {
      try {
        m.port.postMessage({ type: 'close' } satisfies ToWorker);
      } catch {
        // the port is gone with its worker
      }
    }
    await this.pool.close();
  }

  // ---- messages (transfer transport, sizing, clones) -------------------------------

  private flushMessages(): void {
    this.messages.post([...this.pool.members.values()].filter((m) => !m.dead));
  }

  private onMessage(member: Member, m: FromWorker): void {
    if (this.closed) return;
    switch (m.type) {
      case 'result':
      case 'failure': {
        const a = this.messages.answer(m);
        if (this.transport === 'transfer' && this.messages.inFlight === 0) this.letProcessExit();
        if (a.job === undefined) {
          this.events.capacity(); // a cancelled request's answer: its place is free again
          return;
        }
        if (this.transport === 'shared' && !this.ring) {
          this.sizeRing(m.type === 'result' ? m.value : undefined);
          if (a.ok) this.placeFirst(a.job);
        }
        this.events.settled(a.job, a.ok ? { ok: true } : { ok: false, error: a.error });
        return;
      }
      case 'value':
      case 'error': {
        const job = this.bySlot[m.slot];
        const r = job && this.jobs.get(job);
        if (!r || r.ticket !== m.ticket) return; // cancelled meanwhile
        r.arrived = true;
        if (m.type === 'value') r.value = m.value;
        else r.error = m.error;
        this.scan();
        return;
      }
      case 'crash':
        this.pool.terminate(member, `the worker's loop failed: ${m.error.message}`);
        return;
    }
  }

  /** Makes the ring from the first element's size and hands it to every worker. */
  private sizeRing(first: unknown): void {
    const e = planEncoding(first);
    // Headroom: later elements' descriptions may be a little longer (bigger numbers in them).
    const bytes = e.kind === KIND_CLONE ? 4096 : encodedBytes(e) + Math.max(256, encodedBytes(e) >> 4);
    this.makeRing(bytes);
    this.sizing = false;
    const memory = this.ring!.memory;
    for (const m of this.pool.members.values()) void this.attach(m, memory);
    this.wake?.();
  }

  /**
   * The element that sized the ring came by message; it goes into a slot
   * like every other (one copy, once), so that its lease too is a view into
   * the ring (slots.ts row 11).
   */
  private placeFirst(job: Job): void {
    const ring = this.ring!;
    const value = this.messages.take(job);
    const e = planEncoding(value);
    if (e.kind === KIND_CLONE || encodedBytes(e) > ring.slotBytes) return;
    const slot = this.freeSlot();
    ring.writeEncoded(slot, e);
    const ticket = ring.slots.placeReady(slot, job.index);
    this.messages.discard(job);
    this.bySlot[slot] = job;
    this.jobs.set(job, { slot, ticket, done: true });
  }

  private async attach(m: Member, memory: WebAssembly.Memory): Promise<void> {
    try {
      await m.api.attach(memory);
    } catch (error) {
      this.pool.terminate(m, `attach failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // ---- the watch loop ---------------------------------------------------------------

  /** While jobs are out, waits on the ring's event counter and settles what finished. */
  private async watch(): Promise<void> {
    let lastCheck = 0;
    while (!this.closed) {
      const ring = this.ring;
      if (!ring || (this.jobs.size === 0 && this.staleSlots.size === 0)) {
        if (this.jobs.size === 0 && this.messages.inFlight === 0) this.letProcessExit();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, this.jobs.size > 0 || !ring ? 20 : 1000).unref?.();
        });
        this.wake = undefined;
        continue;
      }
      const seen = Atomics.load(ring.words, H_EVENTS);
      this.scan();
      const now = Date.now();
      if (now - lastCheck >= WAIT_SLICE_MS) {
        lastCheck = now;
        this.checkLiveness(now);
      }
      ring.slots.wakeFor(this.wakeSlot());
      Atomics.store(ring.words, H_READER_WAITING, 1);
      await waitForChange(ring.words, H_EVENTS, seen, WAIT_SLICE_MS);
      Atomics.store(ring.words, H_READER_WAITING, 0);
    }
  }

  /** Settles every slot job whose slot is READY or FAILED, and takes back freed stale slots. */
  private scan(): void {
    const ring = this.ring;
    if (!ring || this.closed) return;
    let freed = false;
    for (const s of this.staleSlots) {
      // A live worker frees the stale slot itself when it finishes (row 7); row 8 is only for dead ones.
      if (stateOf(ring.slots.load(s)) === FREE) {
        this.staleSlots.delete(s);
        freed = true;
      }
    }
    for (let s = 0; s < this.capacityTotal; s++) this.settleSlot(s);
    if (freed) this.events.capacity();
  }

  /** Settles the job in slot `s` if its worker has published it. */
  private settleSlot(s: number): void {
    const ring = this.ring!;
    const job = this.bySlot[s];
    if (!job) return;
    const r = this.jobs.get(job);
    if (!r || r.done) return;
    const w = ring.slots.load(s);
    if (ticketOf(w) !== r.ticket) return;
    const state = stateOf(w);
    if (state === CLAIMED) {
      r.claimedSince ??= Date.now();
      return;
    }
    if (state !== READY && state !== FAILED) return;
    const kind = ring.field(s, S_KIND);
    if (kind === KIND_CLONE && !r.arrived) return; // its message is on the way
    r.done = true;
    if (state === READY) {
      this.events.settled(job, { ok: true });
    } else {
      const error = r.error ?? (kind === KIND_ERROR
        ? (JSON.parse(readText(ring.buffer, ring.dataOffset(s), ring.field(s, S_META_BYTES))) as SerializedError)
        : { name: 'Error', message: 'unknown failure' });
      this.events.settled(job, { ok: false, error });
    }
  }

  /** Workers that stopped beating while idle, or hold one element longer than `timeout`, are replaced. */
  private checkLiveness(now: number): void {
    const ring = this.ring!;
    const busy = new Set<number>();
    for (let s = 0; s < this.capacityTotal; s++) {
      const w = ring.slots.load(s);
      if (stateOf(w) !== CLAIMED && stateOf(w) !== STALE) continue;
      const holder = ring.slots.holder(s);
      busy.add(holder);
      const job = this.bySlot[s];
      const r = job && this.jobs.get(job);
      if (this.options.timeout !== undefined && r?.claimedSince !== undefined && now - r.claimedSince > this.options.timeout) {
        const m = this.pool.members.get(holder);
        if (m) this.pool.terminate(m, `it spent more than ${this.options.timeout} ms on element ${job!.index}`);
      }
    }
    for (const m of [...this.pool.members.values()]) {
      const value = ring.heartbeat(m.id);
      const b = this.beats.get(m.id);
      if (!b || b.value !== value) this.beats.set(m.id, { value, at: now });
      else if (!busy.has(m.id) && now - b.at > HEARTBEAT_LIMIT_MS) this.pool.terminate(m, 'it stopped beating');
    }
  }

  // ---- deaths -----------------------------------------------------------------------

  private onDeath(member: Member, reason: string): void {
    if (this.closed) return;
    this.beats.delete(member.id);
    const lost = this.messages.lostWith(member);
    if (lost.length > 0 && this.transport === 'shared' && !this.ring) this.sizing = false;
    const ring = this.ring;
    if (ring) {
      for (let s = 0; s < this.capacityTotal; s++) {
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
    }
    for (const { job, blamed } of lost) this.events.lost(job, `a worker died: ${reason}`, blamed);
    void this.replace();
  }

  private async replace(): Promise<void> {
    if (this.closed) return;
    try {
      const m = await this.pool.spawn();
      this.failedStarts = 0;
      if (this.ring) await this.attach(m, this.ring.memory); // a no-op if it was started with the ring
      this.flushMessages();
      this.events.capacity();
    } catch (error) {
      if (this.closed) return;
      if (++this.failedStarts >= MAX_FAILED_STARTS || this.pool.members.size === 0) {
        this.events.fatal(new Error(`prefetch: could not start a replacement worker: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
  }

  // ---- Node: keep the process alive only while elements are out ----------------------

  private keepProcessAlive(): void {
    if (this.keepAlive || this.closed || typeof process === 'undefined') return;
    this.keepAlive = setInterval(() => {}, 1000);
  }

  private letProcessExit(): void {
    if (!this.keepAlive) return;
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }
}
