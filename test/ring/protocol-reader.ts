/**
 * The reader side of the ring protocol tests: starts raw protocol workers
 * (protocol-worker.ts) on a ring and drives the slots the way a prefetch
 * does, with random window moves, random delays and checks at every step.
 */
import { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import { Ring } from '../../src/ring/ring.js';
import { FAILED, FREE, READY, STALE, STATE_NAMES, stateOf, ticketOf } from '../../src/ring/slots.js';
import { KIND_ERROR, KIND_TYPED, dtypeCode, read, readText, type SerializedError } from '../../src/ring/codec.js';
import { H_EVENTS, H_READER_WAITING, S_BYTES, S_DTYPE, S_KIND, S_META_BYTES } from '../../src/ring/layout.js';
import { LOG_FIELDS, L_DONE, L_INDEX, L_PUBLISHED, L_SLOT, L_TICKET, pattern, type ProtocolWorkerData } from './protocol-worker.js';

const workerUrl = new URL('./protocol-worker.ts', import.meta.url);

/** Node 20 does not pass tsx on to workers: register it in the worker, then load the script. */
export function protocolWorker(data: ProtocolWorkerData): Worker {
  const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(workerUrl.href)}); })`;
  return new Worker(code, { eval: true, workerData: data });
}

export function exited(w: Worker, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${w.threadId} did not exit within ${ms} ms`)), ms);
    w.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export function newLog(entries: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (1 + entries * LOG_FIELDS)));
}

export interface LogEntry {
  readonly slot: number;
  readonly ticket: number;
  readonly index: number;
  readonly published: boolean;
}

export function readLog(log: Int32Array): LogEntry[] {
  const n = Atomics.load(log, 0);
  const out: LogEntry[] = [];
  for (let e = 0; e < n; e++) {
    const b = 1 + e * LOG_FIELDS;
    if (Atomics.load(log, b + L_DONE) !== 1) continue; // a killed worker's half-written entry
    out.push({ slot: log[b + L_SLOT]!, ticket: log[b + L_TICKET]!, index: log[b + L_INDEX]!, published: log[b + L_PUBLISHED] === 1 });
  }
  return out;
}

export const key = (slot: number, ticket: number): string => `${slot}:${ticket}`;

function spin(micros: number): void {
  const until = performance.now() + micros / 1000;
  while (performance.now() < until) { /* spin */ }
}

export interface ReaderOptions {
  readonly ring: Ring;
  readonly random: () => number;
  readonly elements: number;
  readonly failIndexes: ReadonlySet<number>;
  /** Chance per step that the window moves, cancelling some outstanding slots. */
  readonly cancelRate: number;
  readonly maxDelayMicros: number;
  readonly deadlineMs: number;
  /** Elements the window never cancels (the kill test's hung element). */
  readonly neverCancel?: ReadonlySet<number>;
  /** Called every step; may take slots away from the reader (the kill test). */
  readonly onStep?: (r: ReaderState) => void | Promise<void>;
}

export interface ReaderState {
  /** Slots the reader requested and still wants: slot → element and ticket. */
  readonly out: Map<number, { index: number; ticket: number }>;
  /** Slots cancelled while a worker held them (STALE): the reader may not touch them until FREE. */
  readonly stale: Set<number>;
  /** STALE slots whose worker is dead: row 7 will never come, the reader must reclaim (row 8). */
  readonly dead: Set<number>;
  /** slot:ticket of every claim cancelled into STALE. */
  readonly staleKeys: Set<string>;
  /** slot:ticket of the claims of killed workers (they never finish). */
  readonly deadKeys: Set<string>;
  /** Elements the window moved past before they were read. */
  readonly cancelled: Set<number>;
  readonly delivered: Map<number, number>;
  readonly failed: Map<number, number>;
  /** Elements to request again before new ones (the kill test). */
  readonly retry: number[];
  requests: number;
  /** STALE slots a live worker freed (row 7). */
  freedByWorker: number;
  checks: number;
}

/** Drives the reader side until every element was requested and settled, checking as it goes. */
export async function runReader(o: ReaderOptions): Promise<ReaderState> {
  const { ring, random } = o;
  const slots = ring.slots;
  const u32 = dtypeCode(new Uint32Array(0));
  const r: ReaderState = {
    out: new Map(), stale: new Set(), dead: new Set(), staleKeys: new Set(), deadKeys: new Set(), cancelled: new Set(),
    delivered: new Map(), failed: new Map(), retry: [], requests: 0, freedByWorker: 0, checks: 0,
  };
  let next = 0;
  const deadline = Date.now() + o.deadlineMs;
  const bump = (m: Map<number, number>, i: number) => m.set(i, (m.get(i) ?? 0) + 1);

  while (next < o.elements || r.out.size > 0 || r.stale.size > 0 || r.retry.length > 0) {
    if (Date.now() > deadline) {
      const states = Array.from({ length: ring.slotCount }, (_, s) => STATE_NAMES[stateOf(slots.load(s))]);
      throw new Error(`reader: no progress before the deadline (next ${next}, out ${r.out.size}, stale ${[...r.stale]}, states ${states})`);
    }
    const seen = Atomics.load(ring.words, H_EVENTS);
    // Canaries, every step (many steps per lap).
    assert.deepEqual(ring.damagedGuards(), [], 'a write landed outside a slot');
    await o.onStep?.(r);

    // STALE slots of live workers come back FREE through row 7 only.
    for (const s of r.stale) {
      const st = stateOf(slots.load(s));
      if (r.dead.has(s)) {
        assert.equal(st, STALE, `slot ${s} of a dead worker stays STALE until reclaimed`);
        continue;
      }
      assert.ok(st === STALE || st === FREE, `stale slot ${s} went to ${STATE_NAMES[st]}`);
      if (st === FREE) {
        r.stale.delete(s);
        r.freedByWorker++;
      }
    }

    // Request into free slots (a random part of them: batches of varied size), announce once.
    let requested = 0;
    for (let s = 0; s < ring.slotCount; s++) {
      if (r.out.has(s) || r.stale.has(s)) continue;
      assert.equal(stateOf(slots.load(s)), FREE, `slot ${s} is the reader's, so FREE`);
      if (random() < 0.3) continue;
      const again = r.retry.length > 0;
      const index = again ? r.retry.shift()! : next < o.elements ? next++ : -1;
      if (index < 0) break;
      // Urgent (H_URGENT, as for an element read): every retry, and a tenth of the rest, so
      // workers race for the urgent word as well as for log entries and the scan.
      const ticket = slots.request(s, index, again || random() < 0.1);
      r.out.set(s, { index, ticket });
      requested++;
    }
    if (requested > 0) {
      r.requests += requested;
      slots.announce();
    }

    // The window moves: some outstanding requests are no longer wanted.
    if (random() < o.cancelRate) {
      for (const [s, job] of r.out) {
        if (random() < 0.5 || o.neverCancel?.has(job.index)) continue;
        const before = slots.load(s);
        const free = slots.cancel(s);
        r.out.delete(s);
        r.cancelled.add(job.index);
        if (!free) {
          assert.equal(ticketOf(slots.load(s)), job.ticket);
          r.stale.add(s);
          r.staleKeys.add(key(s, job.ticket));
        } else {
          assert.notEqual(stateOf(before), STALE);
        }
      }
    }

    // Read some of what is ready, in random order, holding the rest a while.
    let progressed = requested > 0;
    const order = [...r.out.keys()].sort(() => random() - 0.5);
    for (const s of order) {
      const job = r.out.get(s)!;
      const w = slots.load(s);
      assert.equal(ticketOf(w), job.ticket, `slot ${s}: only the reader changes tickets`);
      const st = stateOf(w);
      if (st !== READY && st !== FAILED) continue;
      if (random() < 0.25) continue;
      progressed = true;
      if (st === READY) {
        assert.equal(ring.field(s, S_KIND), KIND_TYPED);
        assert.equal(ring.field(s, S_DTYPE), u32);
        assert.equal(ring.field(s, S_BYTES), ring.slotBytes);
        const view = read(ring.buffer, ring.dataOffset(s), KIND_TYPED, u32, ring.slotBytes, 0, false) as Uint32Array;
        if (random() < 0.3) spin(random() * o.maxDelayMicros); // a writer that still writes would show now
        for (let k = 0; k < view.length; k++) {
          if (view[k] !== pattern(job.index, job.ticket, k)) {
            assert.fail(`slot ${s}, element ${job.index}, ticket ${job.ticket}: word ${k} is ${view[k]}, want ${pattern(job.index, job.ticket, k)}`);
          }
        }
        r.checks++;
        bump(r.delivered, job.index);
      } else {
        assert.equal(ring.field(s, S_KIND), KIND_ERROR);
        const e = JSON.parse(readText(ring.buffer, ring.dataOffset(s), ring.field(s, S_META_BYTES))) as SerializedError;
        assert.equal(e.name, 'RangeError');
        assert.equal(e.index, job.index);
        assert.ok(o.failIndexes.has(job.index), `element ${job.index} should not fail`);
        bump(r.failed, job.index);
      }
      if (ring.poison) ring.poisonData(s);
      slots.free(s);
      r.out.delete(s);
    }

    if (!progressed) {
      Atomics.store(ring.words, H_READER_WAITING, 1);
      const waited = Atomics.waitAsync(ring.words, H_EVENTS, seen, 20);
      if (waited.async) await waited.value;
      Atomics.store(ring.words, H_READER_WAITING, 0);
    } else if (random() < 0.05) {
      await new Promise((resolve) => setImmediate(resolve)); // let exit events and timers in
    }
  }
  return r;
}

/** The checks on a finished run: each wanted element delivered once, each cancelled claim never published. */
export function checkRun(r: ReaderState, log: readonly LogEntry[], elements: number, failIndexes: ReadonlySet<number>): void {
  const claims = new Map<string, LogEntry>();
  for (const e of log) {
    const k = key(e.slot, e.ticket);
    assert.ok(!claims.has(k), `request ${k} was claimed and finished twice`);
    claims.set(k, e);
    if (e.published) assert.ok(!r.staleKeys.has(k), `claim ${k} (element ${e.index}) was cancelled, yet published`);
    else assert.ok(r.staleKeys.has(k), `claim ${k} (element ${e.index}) failed to publish though nobody cancelled it`);
  }
  for (const k of r.staleKeys) {
    const e = claims.get(k);
    if (r.deadKeys.has(k)) assert.equal(e, undefined, `the killed worker's claim ${k} was finished`);
    else assert.equal(e?.published, false, `cancelled claim ${k}: its worker's finish returned false`);
  }
  for (let i = 0; i < elements; i++) {
    const d = r.delivered.get(i) ?? 0;
    const f = r.failed.get(i) ?? 0;
    if (r.cancelled.has(i)) {
      assert.equal(d + f, 0, `element ${i} was cancelled before it was read`);
    } else if (failIndexes.has(i)) {
      assert.deepEqual([d, f], [0, 1], `element ${i} fails exactly once`);
    } else {
      assert.deepEqual([d, f], [1, 0], `element ${i} is delivered exactly once`);
    }
  }
}
