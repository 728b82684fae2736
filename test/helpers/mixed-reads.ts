/**
 * A seeded mix of gets, leases, releases and jumps on one prefetch (or the
 * reader alone), for the Node tests and the e2e page alike. Every read must
 * settle with its own element (`holds`), or with the leases error when leases
 * hold every slot; a
 * leased view must not change while it is held; and in each quiet moment
 * (no new reads) every read made so far must settle within `quietLimitMs`.
 * Returns what went wrong rather than throwing, so a page can report it.
 */
import type { Lease } from '../../src/index.js';
import { mulberry32 } from './random.js';

/** What is read: a prefetch, or anything with its `get` and `lease`. */
export interface Readable<T> {
  readonly length: number;
  get(i: number): Promise<T>;
  lease(i: number): Promise<Lease<T>>;
}

export interface MixedReadsOptions<T> {
  /** Whether `value` is element `index`. */
  readonly holds: (value: T, index: number) => boolean;
  readonly seed: number;
  readonly steps: number;
  /** A quiet moment longer than this with a read still pending is a hang. */
  readonly quietLimitMs: number;
}

export interface MixedReadsReport {
  readonly seed: number;
  /** Reads made, and how many of them failed with the leases error. */
  readonly reads: number;
  readonly leasesErrors: number;
  /** Wrong values, unexpected errors, views that changed while leased (at most 10). */
  readonly failures: string[];
  /** Reads still pending after a quiet moment, and at which step (empty: none hung). */
  readonly stuck: string[];
  readonly stuckAtStep: number | null;
}

/** `holds` for elements that are Int32Array(16) filled with their index. */
export const filledInt32 = (v: Int32Array, i: number): boolean => v.length === 16 && v.every((x) => x === i);

function describe(value: unknown): string {
  if (ArrayBuffer.isView(value) && 'length' in value) {
    const a = value as unknown as ArrayLike<number>;
    return `[${Array.from({ length: Math.min(3, a.length) }, (_, k) => a[k]).join(', ')}, …] (length ${a.length})`;
  }
  return String(value);
}

export async function mixedReads<T>(p: Readable<T>, options: MixedReadsOptions<T>): Promise<MixedReadsReport> {
  const { holds, seed, steps, quietLimitMs } = options;
  const rand = mulberry32(seed);
  const held: Lease<T>[] = [];
  const pending = new Set<string>();
  const failures: string[] = [];
  let reads = 0;
  let leasesErrors = 0;
  let next = 0;
  const fail = (what: string) => void (failures.length < 10 && failures.push(what));
  const issue = (index: number, lease: boolean): void => {
    const what = `${lease ? 'lease' : 'get'}(${index})#${reads++}`;
    pending.add(what);
    const read: Promise<T | Lease<T>> = lease ? p.lease(index) : p.get(index);
    read.then(
      (v) => {
        pending.delete(what);
        const value = lease ? (v as Lease<T>).value : (v as T);
        if (!holds(value, index)) fail(`${what} gave ${describe(value)}`);
        if (lease) held.push(v as Lease<T>);
      },
      (e: unknown) => {
        pending.delete(what);
        if (/held by leases/.test(String(e))) leasesErrors++;
        else fail(`${what} failed: ${String(e)}`);
      },
    );
  };
  const quiet = async (): Promise<boolean> => {
    for (const until = Date.now() + quietLimitMs; pending.size > 0 && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 1));
    return pending.size === 0;
  };
  const report = (stuckAtStep: number | null): MixedReadsReport => ({ seed, reads, leasesErrors, failures, stuck: [...pending], stuckAtStep });
  try {
    for (let step = 0; step < steps; step++) {
      const r = rand();
      // Mostly streaming, sometimes a jump.
      const index = rand() < 0.7 ? next++ % p.length : Math.floor(rand() * p.length);
      if (r < 0.35) issue(index, false);
      else if (r < 0.6) issue(index, true);
      else if (r < 0.75) {
        const lease = held.splice(Math.floor(rand() * held.length), 1)[0];
        if (lease && !holds(lease.value, lease.index)) fail(`the view of ${lease.index} changed while leased`);
        lease?.release();
      } else if (r < 0.97) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      } else if (!(await quiet())) {
        return report(step);
      }
    }
    for (const l of held.splice(0)) l.release();
    return report((await quiet()) ? null : steps);
  } finally {
    for (const l of held) l.release();
  }
}
