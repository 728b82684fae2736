/**
 * The worker pool: starts workers (the user's factory or seqring's own
 * entry), hands each its `WorkerInit` over Comlink, and notices when one dies.
 *
 * A worker's death is mostly unobservable in browsers (there is no exit
 * event), so the pool listens to `error` and `messageerror`, asks for a Web
 * Lock per worker that is granted to it only when the worker is gone (the
 * worker takes it first thing in `start` and says so on its value port, so a
 * death while starting is seen too, not only by the start timeout), and
 * leaves heartbeat checks to the backend that owns the ring. In Node the
 * `exit` event says it plainly.
 */
import * as Comlink from 'comlink';
import type { WorkerFactory, WorkerLike } from '../plan/remote.js';
import { builtinWorker, endpointOf, isNode, isNodeWorker, prepareNode } from './endpoint.js';
import type { FromWorker, WorkerApi, WorkerInit } from './protocol.js';

/** How long a worker may take to start (load its module, rebuild the plan, run onWorkerStart). */
export const START_TIMEOUT_MS = 30_000;

export interface Member {
  readonly id: number;
  /** Its heartbeat word in the ring (WorkerInit.seat): held by no other live member. */
  readonly seat: number;
  readonly worker: WorkerLike;
  /** The reader's end of the worker's value port. */
  readonly port: MessagePort;
  /** The worker's control plane. */
  readonly api: Comlink.Remote<WorkerApi>;
  dead: boolean;
  /** Its `start` has returned: it may be given the ring and requests, and is expected to beat. */
  started: boolean;
  deathReason?: string;
  /** Settles once the worker has stopped running (Node: its exit; browsers: once terminate() returned). */
  stopped: Promise<void>;
  /** The Web Lock it holds for life once started (browsers with Web Locks). */
  readonly lockName: string | undefined;
}

export interface PoolOptions {
  readonly factory: WorkerFactory | undefined;
  /** Everything of WorkerInit but what the pool fills in per worker. */
  readonly init: (id: number) => Omit<WorkerInit, 'workerId' | 'seat' | 'valuePort' | 'lockName'>;
  /** Seats (heartbeat words) there are: at most this many members live at once. */
  readonly seats: number;
  /** Called once per worker death, with a reason for error messages. */
  readonly onDeath: (member: Member, reason: string) => void;
  /** Called with each value-port message. */
  readonly onMessage: (member: Member, data: unknown) => void;
}

let poolCount = 0;

export class Pool {
  private nextId = 0;
  private closed = false;
  readonly members = new Map<number, Member>();
  private readonly name = `seqring-${Date.now().toString(36)}-${poolCount++}-${Math.random().toString(36).slice(2)}`;
  private readonly stopWatching = new AbortController();
  private readonly stoppers = new Map<Member, () => void>();
  /** Every worker that started, dead ones included: any of them may have had the ring. */
  private readonly everStarted: Pick<Member, 'stopped' | 'lockName'>[] = [];
  /** Seats given to spawns still waiting for their worker (see `spawn`). */
  private readonly reserved = new Set<number>();

  constructor(private readonly options: PoolOptions) {}

  /** Starts one worker and resolves once it is ready to take elements. */
  async spawn(): Promise<Member> {
    if (this.closed) throw new Error('pool: closed');
    if (isNode) await prepareNode();
    const seat = this.freeSeat();
    const id = this.nextId++;
    // Held until the member is in `members`: spawns running at once (a prefetch starts all its
    // workers together) would otherwise all pick the same seat across the await below.
    this.reserved.add(seat);
    let worker: WorkerLike;
    try {
      worker = this.options.factory ? this.options.factory() : await builtinWorker();
    } finally {
      this.reserved.delete(seat);
    }
    const { port1, port2 } = new MessageChannel();
    const api = Comlink.wrap<WorkerApi>(endpointOf(worker));
    let markStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (markStopped = resolve));
    const lockName = lockManager() ? `${this.name}/${id}` : undefined;
    const member: Member = { id, seat, worker, port: port1, api, dead: false, started: false, stopped, lockName };
    this.stoppers.set(member, markStopped);
    this.members.set(id, member);
    this.watch(member);
    port1.onmessage = (e: MessageEvent) => {
      if ((e.data as FromWorker | undefined)?.type !== 'holds-lock') this.options.onMessage(member, e.data);
      else if (lockName !== undefined) this.watchLock(member, lockName);
    };
    if (isNode) (port1 as unknown as { unref?: () => void }).unref?.();

    const init: WorkerInit = { ...this.options.init(id), workerId: id, seat, valuePort: port2, lockName };
    try {
      await withTimeout(api.start(Comlink.transfer(init, [port2 as unknown as Transferable])), START_TIMEOUT_MS, member, `worker ${id} did not start within ${START_TIMEOUT_MS} ms`);
    } catch (error) {
      this.kill(member);
      throw error;
    }
    member.started = true;
    this.everStarted.push({ stopped, lockName }); // not the member: a dead one's worker and ports may go
    return member;
  }

  /**
   * Whether every worker that started is known to have stopped, within `ms`
   * (after `close`): Node says so by their exit; a browser by granting us the
   * lock each held for life, which only a gone worker gives up. False where
   * neither tells (no Web Locks), or when `ms` runs out.
   */
  async allStopped(ms: number): Promise<boolean> {
    const locks = lockManager();
    const giveUp = new AbortController();
    let waits: Promise<unknown>[];
    if (isNode) waits = this.everStarted.map((m) => m.stopped);
    // With Web Locks every member has a lock name (spawn).
    else if (locks) waits = this.everStarted.map((m) => locks.request(m.lockName!, { signal: giveUp.signal }, () => {}));
    else return this.everStarted.length === 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([Promise.all(waits).then(() => true, () => false), late]);
    } finally {
      clearTimeout(timer);
      giveUp.abort();
    }
  }

  /**
   * The lowest seat no live member holds. A dead member's seat is free at
   * once: if its worker still runs for a moment, its last beats land on the
   * newcomer's word, which only makes the newcomer look alive sooner.
   */
  private freeSeat(): number {
    const held = new Set([...this.members.values()].map((m) => m.seat).concat([...this.reserved]));
    for (let seat = 0; seat < this.options.seats; seat++) if (!held.has(seat)) return seat;
    throw new RangeError(`pool: all ${this.options.seats} seats are taken; at most ${this.options.seats} workers can run at once`);
  }

  private watch(member: Member): void {
    const w = member.worker;
    const died = (reason: string) => () => this.died(member, reason);
    if (isNodeWorker(w)) {
      w.on('error', (e: unknown) => this.died(member, `worker error: ${e instanceof Error ? e.message : String(e)}`));
      w.on('messageerror', died('a message from the worker could not be read'));
      w.on('exit', (code: unknown) => this.died(member, `worker exited (code ${String(code)})`));
      w.unref?.(); // a pool never keeps Node alive on its own; pending reads keep a timer instead
      return;
    }
    const target = w as unknown as EventTarget;
    target.addEventListener('error', (e) => {
      (e as Event).preventDefault?.();
      this.died(member, `worker error: ${(e as ErrorEvent).message ?? 'unknown'}`);
    });
    target.addEventListener('messageerror', died('a message from the worker could not be read'));
  }

  /** The lock the worker holds for life is granted to us only once the worker is gone. */
  private watchLock(member: Member, name: string): void {
    lockManager()!
      .request(name, { signal: this.stopWatching.signal }, () => {
        this.died(member, 'the worker stopped (closed, terminated or crashed)');
      })
      .catch(() => {}); // aborted at close
  }

  private died(member: Member, reason: string): void {
    if (member.dead || this.closed) return;
    member.dead = true;
    member.deathReason = reason;
    this.members.delete(member.id);
    this.kill(member);
    this.options.onDeath(member, reason);
  }

  /** Ends a worker that is hung or misbehaving; its death is reported as usual. */
  terminate(member: Member, reason: string): void {
    this.died(member, reason);
  }

  private kill(member: Member): void {
    member.dead = true;
    this.members.delete(member.id);
    member.port.onmessage = null;
    member.port.close();
    try {
      member.api[Comlink.releaseProxy]();
    } catch {
      // already released
    }
    const stopper = this.stoppers.get(member);
    this.stoppers.delete(member);
    // Node's terminate() resolves once the thread has exited; a Web Worker's returns at once.
    void Promise.resolve(member.worker.terminate()).catch(() => {}).then(() => stopper?.());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatching.abort();
    const all = [...this.members.values()];
    this.members.clear();
    for (const m of all) this.kill(m);
  }
}

/** The Web Lock manager a pool watches workers' life locks with (browsers that have one). */
function lockManager(): LockManager | undefined {
  if (isNode) return undefined;
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  return typeof locks === 'object' ? locks : undefined;
}

/**
 * Settles like `call`, a call to `member`'s worker, or rejects with `what`
 * and the reason once the worker has stopped: a dead worker never answers.
 */
export function whileAlive<T>(member: Member, call: Promise<T>, what: string): Promise<T> {
  const died = member.stopped.then(() => {
    throw new Error(`${what}: ${member.deathReason ?? 'the worker stopped'}`);
  });
  return Promise.race([call, died]);
}

/** Rejects if `p` takes longer than `ms`, or as soon as the worker has stopped (it died first). */
function withTimeout<T>(p: Promise<T>, ms: number, member: Member, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([whileAlive(member, p, `worker ${member.id} died while starting`), limit]).finally(() => clearTimeout(timer));
}
