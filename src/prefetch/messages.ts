/**
 * Elements that travel by message rather than through a ring slot: every
 * element of the `transfer` transport (no shared memory), and the first
 * element of a shared ring, whose size sizes the ring. One message out and
 * one back per element, which is the price of having no shared memory.
 */
import type { SerializedError } from '../ring/codec.js';
import type { Member } from '../workers/pool.js';
import type { FromWorker, ToWorker } from '../workers/protocol.js';
import type { Job } from './backend.js';

interface Request {
  member: Member | undefined;
  sentAt: number;
  settled: boolean;
  value?: unknown;
}

export type Answer =
  | { readonly job: Job; readonly ok: true }
  | { readonly job: Job; readonly ok: false; readonly error: SerializedError }
  /** The answer to a request nobody wants any more: its place is free again. */
  | { readonly job: undefined };

export class MessageJobs {
  private readonly requests = new Map<Job, Request>();
  /** Requests by their job's token, which is the ticket on the wire. */
  private readonly byTicket = new Map<number, Job>();

  has(job: Job): boolean {
    return this.requests.has(job);
  }

  /** Requests posted and not answered yet. */
  get inFlight(): number {
    let n = 0;
    for (const r of this.requests.values()) if (!r.settled) n++;
    return n;
  }

  get size(): number {
    return this.requests.size;
  }

  add(job: Job): void {
    this.requests.set(job, { member: undefined, sentAt: 0, settled: false });
    this.byTicket.set(job.token, job);
  }

  /** Posts requests that wait for a worker to the least busy of `live`. */
  post(live: readonly Member[]): void {
    if (live.length === 0) return;
    const load = new Map<Member, number>(live.map((m) => [m, 0]));
    for (const r of this.requests.values()) if (r.member && !r.settled && load.has(r.member)) load.set(r.member, load.get(r.member)! + 1);
    for (const [job, r] of this.requests) {
      if (r.member) continue;
      let member = live[0]!;
      for (const m of live) if (load.get(m)! < load.get(member)!) member = m;
      r.member = member;
      r.sentAt = Date.now();
      load.set(member, load.get(member)! + 1);
      member.port.postMessage({ type: 'request', index: job.index, ticket: job.token } satisfies ToWorker);
    }
  }

  /** A request already posted cannot be recalled: its answer is dropped when it comes. */
  cancel(job: Job): void {
    const r = this.requests.get(job);
    this.requests.delete(job);
    if (r && !r.member) this.byTicket.delete(job.token);
  }

  /** Takes in a worker's answer; for ok answers the value waits in `take`. */
  answer(m: FromWorker & { type: 'result' | 'failure' }): Answer {
    const job = this.byTicket.get(m.ticket);
    this.byTicket.delete(m.ticket);
    const r = job && this.requests.get(job);
    if (!job || !r) return { job: undefined };
    r.settled = true;
    if (m.type === 'result') {
      r.value = m.value;
      return { job, ok: true };
    }
    this.requests.delete(job);
    return { job, ok: false, error: m.error };
  }

  take(job: Job): unknown {
    return this.requests.get(job)?.value;
  }

  discard(job: Job): void {
    this.requests.delete(job);
  }

  /**
   * The requests a dead worker held, all to be retried. Requests queue up in
   * a worker, so only the oldest was being computed when it died: only that
   * one is blamed for the death.
   */
  lostWith(member: Member): { job: Job; blamed: boolean }[] {
    const lost: { job: Job; blamed: boolean }[] = [];
    let oldest: { job: Job; sentAt: number } | undefined;
    for (const [job, r] of this.requests) {
      if (r.member !== member || r.settled) continue;
      this.requests.delete(job);
      this.byTicket.delete(job.token);
      lost.push({ job, blamed: false });
      if (!oldest || r.sentAt < oldest.sentAt) oldest = { job, sentAt: r.sentAt };
    }
    for (const l of lost) l.blamed = l.job === oldest?.job;
    return lost;
  }

  /** Workers holding a request for longer than `limit` ms, with the element they hold. */
  overdue(limit: number, now = Date.now()): { member: Member; index: number }[] {
    const out: { member: Member; index: number }[] = [];
    for (const [job, r] of this.requests) {
      if (!r.settled && r.member && now - r.sentAt > limit) out.push({ member: r.member, index: job.index });
    }
    return out;
  }
}
