/**
 * `method: 'async'`: elements evaluated on the calling thread, up to
 * `concurrency` at once. For I/O-bound work (`fetch`, `createImageBitmap`)
 * whose functions return promises; nothing crosses a thread, so closures are
 * fine here.
 */
import type { Seq } from '../seq/seq.js';
import type { Backend, BackendEvents, Job } from './backend.js';
import { settling } from './settle.js';

interface Running {
  value?: unknown;
  cancelled: boolean;
}

export class AsyncBackend implements Backend {
  readonly transport = 'async' as const;
  readonly capacityTotal: number;
  private readonly jobs = new Map<Job, Running>();
  private readonly waiting: Job[] = [];
  private running = 0;
  private nextToken = 1;
  private closed = false;

  constructor(
    private readonly events: BackendEvents,
    private readonly seq: Seq<unknown>,
    private readonly concurrency: number,
    maxBuffered: number,
  ) {
    this.capacityTotal = maxBuffered + 1;
  }

  room(): number {
    return this.closed ? 0 : this.capacityTotal - this.jobs.size;
  }

  flush(): void {}

  poll(): void {} // jobs settle through their promises

  randomReads(): void {} // nothing here sleeps between reads

  start(index: number, waited: boolean): Job {
    const job: Job = { index, token: this.nextToken++ };
    this.jobs.set(job, { cancelled: false });
    if (waited) this.waiting.unshift(job); // a read waits for it: before the read-ahead started earlier
    else this.waiting.push(job);
    this.run();
    return job;
  }

  private run(): void {
    while (!this.closed && this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      const r = this.jobs.get(job);
      if (!r || r.cancelled) continue;
      this.running++;
      void this.evaluate(job, r);
    }
  }

  private async evaluate(job: Job, r: Running): Promise<void> {
    let outcome: { ok: true } | { ok: false; error: Error };
    await null; // settle after start() has returned, never inside it
    try {
      let v = settling(this.seq.get(job.index));
      if (v instanceof Promise) v = await v;
      r.value = v;
      outcome = { ok: true };
    } catch (error) {
      outcome = { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
    }
    this.running--;
    if (!this.closed && !r.cancelled) this.events.settled(job, outcome);
    else this.jobs.delete(job);
    if (r.cancelled) this.events.capacity();
    this.run();
  }

  cancel(job: Job): void {
    const r = this.jobs.get(job);
    if (!r) return;
    // A started promise cannot be stopped; its result is dropped when it comes.
    r.cancelled = true;
    this.jobs.delete(job);
  }

  take(job: Job): unknown {
    return this.jobs.get(job)?.value;
  }

  discard(job: Job): void {
    this.jobs.delete(job);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.jobs.clear();
    this.waiting.length = 0;
  }
}
