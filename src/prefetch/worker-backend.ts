/**
 * Elements evaluated by workers: over the shared ring (transport 'shared') or,
 * without shared memory, by messages that transfer their buffers ('transfer').
 *
 * Shared: the ring is sized from the first element, which travels once by
 * message (so nothing is evaluated twice to size it) and is then placed in a
 * slot; every later element goes through a slot (slots.ts). One watch loop
 * waits on the ring's event counter (wait.ts) to learn which slots settled;
 * the same loop checks heartbeats and the per-element `timeout`. Elements in
 * ring slots are kept in slot-jobs.ts (the reader's side of the slot
 * protocol), elements that travel by message in messages.ts; this file keeps
 * the workers, the ring's size and the watch loop.
 */
import type { Plan } from '../plan/plan.js';
import type { WorkerFactory } from '../plan/remote.js';
import { Ring, type RingLocation } from '../ring/ring.js';
import { giveBack, giveBackScratch, takeGivenBack, takeGivenBackScratch, type SharedStore } from '../ring/store.js';
import { H_EVENTS, H_READER_WAITING, MAX_WORKERS } from '../ring/layout.js';
import { isNode } from '../workers/endpoint.js';
import { Pool, whileAlive, type Member } from '../workers/pool.js';
import type { FromWorker, KernelModuleEntry, ToWorker } from '../workers/protocol.js';
import type { ErrorMode } from '../seq/errors.js';
import type { Backend, BackendEvents, Job } from './backend.js';
import { MessageJobs } from './messages.js';
import { SlotJobs } from './slot-jobs.js';
import { ChangeWaiter } from './wait.js';
import { LOOKAHEAD_WAIT_MS, Pace } from './pace.js';
import { CLONE_SLOT_BYTES, slotBytesFor } from './slot-size.js';

/** How long close() waits to learn that a store ring's workers have stopped, before keeping its pages for good. */
const STOP_WAIT_MS = 2_000;
/** The longest single wait of the watch loop; it loops, so every wait is finite. */
const WAIT_SLICE_MS = 100;
/** An idle worker bumps its heartbeat every few ms; this long without one means it is gone. */
const HEARTBEAT_LIMIT_MS = 5_000;
/** How long a random read waits in place for an element a lingering worker took. */
const READER_SPIN_MS = 0.05;
/** Replacement workers that fail to start in a row before the prefetch gives up. */
const MAX_FAILED_STARTS = 3;

export interface WorkerBackendOptions {
  readonly transport: 'shared' | 'transfer';
  readonly plan: Plan;
  /** Elements in the prefetched sequence. */
  readonly length: number;
  readonly factory: WorkerFactory | undefined;
  readonly workers: number;
  readonly maxBuffered: number;
  readonly slotBytes: number | undefined;
  readonly onWorkerStart: string | undefined;
  readonly timeout: number | undefined;
  readonly errorMode: ErrorMode;
  readonly kernelModules: () => Promise<Record<string, KernelModuleEntry> | undefined>;
  readonly poison: boolean;
  /** Make the ring in this store's memory (kernels then read its sources in place). */
  readonly store: SharedStore | undefined;
}

export class WorkerBackend implements Backend {
  readonly transport: 'shared' | 'transfer';
  readonly capacityTotal: number;
  private ring: Ring | undefined;
  /** The pages of a store's memory the ring was made in (given back at close). */
  private storeRegion: { at: number; pages: number } | undefined;
  /** Made with the ring. */
  private slotJobs: SlotJobs | undefined;
  /** The watch loop's waits for publications (H_EVENTS); made with the ring. */
  private publications: ChangeWaiter | undefined;
  private readonly pool: Pool;
  private readonly messages = new MessageJobs();
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
  /** The reader's last read restarted the window (told to workers through the ring header). */
  private random = false;
  /** The last announced batch went to a lingering worker, not to a wake-up. */
  private lingererTook = false;

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
        kernelModules: this.modules,
        onWorkerStart: options.onWorkerStart,
        errorMode: options.errorMode,
      }),
      seats: MAX_WORKERS,
      onDeath: (m, reason) => this.onDeath(m, reason),
      onMessage: (m, data) => {
        try {
          this.onMessage(m, data as FromWorker);
        } catch (error) {
          this.broke(error); // thrown out of a port's handler, it would reach no one (an uncaught error; in Node, the end of the process)
        }
      },
    });
    void this.boot().catch((error: unknown) => this.broke(error));
  }

  /** Something the backend did on its own (not for a read) threw: end the prefetch with it rather than leave reads waiting. */
  private broke(error: unknown): void {
    this.events.fatal(error instanceof Error ? error : new Error(String(error)));
  }

  private async boot(): Promise<void> {
    try {
      this.modules = await this.options.kernelModules();
      const started = await Promise.allSettled(Array.from({ length: this.options.workers }, () => this.startWorker()));
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (error) {
      this.broke(error);
      return;
    }
    this.flushMessages();
    this.events.capacity();
    if (this.transport === 'shared') void this.watch().catch((error: unknown) => this.broke(error));
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
    const store = this.options.store;
    const geometry = { slotCount: this.capacityTotal, slotBytes };
    const region = store ? takeGivenBack(store, Ring.pages(geometry)) : undefined; // else the store grows for it
    this.ring = Ring.create({ ...geometry, poison: this.options.poison, memory: store?.memory, at: region?.at });
    this.storeRegion = store ? region ?? { at: this.ring.location.at, pages: Ring.pages(this.ring) } : undefined;
    // The scratch of stopped workers of earlier prefetches on the store, offered to this one's.
    for (let seat = 0; store && seat < this.options.workers; seat++) {
      const scratch = takeGivenBackScratch(store);
      if (!scratch) break;
      this.ring.offerScratch(seat, scratch);
    }
    this.slotJobs = new SlotJobs(this.ring, this.events, this.options.poison);
    this.publications = new ChangeWaiter(this.ring.words, H_EVENTS);
    this.ring.slots.setRandomReads(this.random);
  }

  // ---- Backend -----------------------------------------------------------------

  room(): number {
    if (this.closed) return 0;
    if (this.slotJobs) return this.capacityTotal - this.slotJobs.taken;
    // No ring yet (shared: still to be sized by the first element; transfer: never).
    if (this.transport === 'shared') return this.sizing ? 0 : 1;
    return this.capacityTotal - this.messages.size;
  }

  flush(): void {
    if (!this.announce) return;
    this.announce = false;
    if (this.ring?.slots.announce()) this.lingererTook = true; // row 1, once for the batch
  }

  randomReads(random: boolean): void {
    this.random = random;
    this.ring?.slots.setRandomReads(random);
  }

  start(index: number, waited: boolean): Job {
    const job: Job = { index, token: this.nextToken++ };
    if (this.slotJobs) {
      this.slotJobs.start(job, waited);
      this.announce = true;
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
    // A random read whose batch a lingering worker took: that worker is on the element
    // already, so wait for it here a moment rather than a wake-up later (slots.ts).
    const spinMs = this.random && this.lingererTook ? READER_SPIN_MS : 0;
    this.lingererTook = false;
    this.slotJobs?.poll(job, spinMs); // message jobs settle when their answer comes
  }

  cancel(job: Job): void {
    if (this.messages.has(job)) {
      this.messages.cancel(job);
      if (this.transport === 'shared' && !this.ring) this.sizing = false;
      return;
    }
    this.slotJobs?.cancel(job);
  }

  take(job: Job, copy: boolean): unknown {
    if (this.messages.has(job)) return this.messages.take(job);
    if (!this.slotJobs) throw new Error('prefetch: value of a job that is gone');
    return this.slotJobs.take(job, copy);
  }

  discard(job: Job): void {
    this.messages.discard(job);
    this.slotJobs?.discard(job);
  }

  async close(_reason: unknown, viewsOut: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.slotJobs?.close();
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
    await this.giveRingBack(viewsOut);
  }

  /**
   * A ring made in a store gives its pages back for the store's next ring,
   * once nothing can touch them any more: no view of it is leased, and every
   * worker that had it is known to have stopped. Otherwise they stay its own
   * (the memory of a closed prefetch whose views are still held keeps their
   * values, as a ring of its own memory does). Its workers' kernel scratch
   * goes back once they are known to have stopped (no view is ever of it).
   */
  private async giveRingBack(viewsOut: boolean): Promise<void> {
    const store = this.options.store;
    const region = this.storeRegion;
    const ring = this.ring;
    if (!store || !region || !ring) return;
    if (!(await this.pool.allStopped(STOP_WAIT_MS))) return;
    for (let seat = 0; seat < MAX_WORKERS; seat++) {
      const scratch = ring.scratch(seat);
      if (scratch) giveBackScratch(store, scratch);
    }
    if (!viewsOut) giveBack(store, region); // all of it, when it was a larger region given back before
  }

  // ---- messages (transfer transport, sizing, clones) -------------------------------

  private flushMessages(): void {
    // Only to started workers: an element that kills a worker must not look like a failed start.
    this.messages.post([...this.pool.members.values()].filter((m) => !m.dead && m.started));
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
        const sized = this.transport === 'shared' && !this.ring;
        if (sized) {
          this.sizeRing(m.type === 'result' ? m.value : undefined); // if even a ring of small slots fails, onMessage's caller ends the prefetch
          if (a.ok) this.placeFirst(a.job);
        }
        this.events.settled(a.job, a.ok ? { ok: true } : { ok: false, error: a.error });
        // Reads made while the first element sized the ring found no room: there is room now.
        if (sized) this.events.capacity();
        return;
      }
      case 'value':
      case 'error':
        this.slotJobs?.arrived(m);
        return;
      case 'crash':
        this.pool.terminate(member, `the worker's loop failed: ${m.error.message}`);
        return;
    }
  }

  /** Makes the ring from the first element's size and hands it to every worker. */
  private sizeRing(first: unknown): void {
    const bytes = slotBytesFor(first, this.options.plan, this.options.length);
    try {
      this.makeRing(bytes);
    } catch (error) {
      // maxBuffered + 1 slots of that size do not fit one memory (4 GiB, or less where the
      // browser cannot allocate it): elements travel by message, as those larger than a slot do.
      console.warn(
        `${error instanceof Error ? error.message : String(error)}; elements of ${bytes} bytes travel by message instead ` +
          `(copied once more, and leased as copies). A smaller maxBuffered keeps them in the ring.`,
      );
      this.makeRing(CLONE_SLOT_BYTES);
    }
    this.sizing = false;
    const location = this.ring!.location;
    for (const m of this.pool.members.values()) if (m.started) void this.attach(m, location); // the others: startWorker
    this.wake?.();
  }

  /**
   * The element that sized the ring came by message; it goes into a slot
   * like every other (one copy, once), so that its lease too is a view into
   * the ring (slots.ts row 11).
   */
  private placeFirst(job: Job): void {
    if (this.slotJobs!.place(job, this.messages.take(job))) this.messages.discard(job); // else it stays a message job
  }

  /** A worker started, and given the ring if there is one (else sizeRing gives it). */
  private async startWorker(): Promise<void> {
    const m = await this.pool.spawn();
    if (this.ring) await this.attach(m, this.ring.location);
  }

  private async attach(m: Member, location: RingLocation): Promise<void> {
    try {
      // A worker that dies (say, on the first element it claims) never answers: its death ends the wait.
      await whileAlive(m, m.api.attach(location), `worker ${m.id} died`);
    } catch (error) {
      this.pool.terminate(m, `attach failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // ---- the watch loop ---------------------------------------------------------------

  /** While jobs are out, waits on the ring's event counter and settles what finished. */
  private async watch(): Promise<void> {
    let lastCheck = 0;
    const pace = new Pace(performance.now());
    while (!this.closed) {
      const ring = this.ring;
      const slotJobs = this.slotJobs; // made with the ring
      // Busy or idle (idle workers beat too: one that stops is replaced before reading resumes).
      const now = Date.now();
      if (ring && slotJobs && now - lastCheck >= WAIT_SLICE_MS) {
        lastCheck = now;
        this.checkLiveness(now, ring, slotJobs);
      }
      if (!ring || !slotJobs || slotJobs.taken === 0) {
        const out = slotJobs?.size ?? 0;
        if (out === 0 && this.messages.inFlight === 0) this.letProcessExit();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, out > 0 || !ring ? 20 : 1000);
          (timer as { unref?: () => void }).unref?.();
          // Woken early by new work: drop the timer, or it fires later for nothing (a wake-up of this thread).
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        continue;
      }
      const seen = Atomics.load(ring.words, H_EVENTS);
      const settled = slotJobs.scan();
      pace.look(settled, ring.slots.naps(), performance.now());
      slotJobs.lookahead = pace.lookahead(this.options.maxBuffered, ring.slotBytes);
      ring.slots.wakeFor(slotJobs.wakeSlot());
      Atomics.store(ring.words, H_READER_WAITING, 1);
      await this.publications!.wait(seen, slotJobs.lookahead > 0 ? LOOKAHEAD_WAIT_MS : WAIT_SLICE_MS);
      Atomics.store(ring.words, H_READER_WAITING, 0);
    }
  }

  /** Workers that stopped beating while idle, or hold one element longer than `timeout`, are replaced. */
  private checkLiveness(now: number, ring: Ring, slotJobs: SlotJobs): void {
    const timeout = this.options.timeout;
    const busy = slotJobs.holders(now, timeout, (holder, index) => {
      const m = this.pool.members.get(holder);
      if (m) this.pool.terminate(m, `it spent more than ${timeout} ms on element ${index}`);
    });
    for (const m of [...this.pool.members.values()]) {
      if (!m.started) continue; // it beats once attached; its start has a timeout of its own
      const value = ring.heartbeat(m.seat);
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
    if (this.slotJobs) lost.push(...this.slotJobs.lostWith(member));
    this.ring?.slots.releaseLingerer(member.id);
    for (const { job, blamed } of lost) this.events.lost(job, `a worker died: ${reason}`, blamed);
    void this.replace();
  }

  private async replace(): Promise<void> {
    if (this.closed) return;
    try {
      await this.startWorker();
      this.failedStarts = 0;
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
    if (this.keepAlive || this.closed || !isNode) return;
    this.keepAlive = setInterval(() => {}, 1000);
  }

  private letProcessExit(): void {
    if (!this.keepAlive) return;
    clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }
}
